package dev.digitlab.server.security;

import java.time.Instant;

/**
 * A stored API token, without its secret (only its hash is stored).
 *
 * @param revokedAt when it was revoked; null while it is valid
 */
public record ApiToken(
    long id, String name, Role role, Instant createdAt, Instant lastUsedAt, Instant revokedAt) {

  /** Whether requests carrying it are let in. */
  public boolean active() {
    return revokedAt == null;
  }
}
