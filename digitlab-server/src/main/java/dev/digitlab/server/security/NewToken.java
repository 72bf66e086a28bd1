package dev.digitlab.server.security;

/**
 * A token just created: the only time its secret exists outside the client that receives it.
 *
 * @param secret the token to send as {@code Authorization: Bearer <secret>}
 */
public record NewToken(ApiToken token, String secret) {

  /** Never the secret: a record's default toString would put it in any log line. */
  @Override
  public String toString() {
    return "NewToken[" + token + "]";
  }
}
