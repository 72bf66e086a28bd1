package dev.digitlab.server.security;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

/**
 * API tokens: created with 256 random bits, stored as their SHA-256 (a token with that much entropy
 * needs no slow hash: nobody can guess one from its hash), looked up by that hash.
 */
@Repository
public class TokenStore {

  /** Every token starts with this, so that secret scanners and people recognise one. */
  static final String PREFIX = "dlt_";

  /** How stale {@code last_used_at} may get: a busy token does not write on every request. */
  private static final Duration LAST_USED_RESOLUTION = Duration.ofMinutes(1);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;
  private final Clock clock;
  private final boolean authEnabled;
  private final TrialTokens trialTokens;

  TokenStore(JdbcClient jdbc, Clock clock, AuthSettings auth, TrialTokens trialTokens) {
    this.jdbc = jdbc;
    this.clock = clock;
    this.authEnabled = auth.enabled();
    this.trialTokens = trialTokens;
  }

  /** A new token with this name and role; its secret is in the answer and nowhere else. */
  public NewToken create(String name, Role role) {
    return create(name, role, false);
  }

  /**
   * A new token with this name and role, granted the permission to run programs or not; its secret
   * is in the answer and nowhere else.
   */
  public NewToken create(String name, Role role, boolean canRunCommands) {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    Instant now = clock.instant();
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            "INSERT INTO api_token"
                + " (name, role, token_hash, created_at, can_run_commands, created_with_auth)"
                + " VALUES (:name, :role, :hash, :now, :commands, :withAuth)")
        .param("name", name)
        .param("role", role.dbValue())
        .param("hash", hash(secret))
        .param("now", toSql(now))
        .param("commands", canRunCommands)
        .param("withAuth", authEnabled)
        .update(key, "id");
    long id = key.getKeyAs(Number.class).longValue();
    return new NewToken(new ApiToken(id, name, role, now, null, null, canRunCommands), secret);
  }

  /** Every token, valid or revoked, oldest first. */
  public List<ApiToken> list() {
    return jdbc.sql("SELECT * FROM api_token ORDER BY id").query(TokenStore::token).list();
  }

  /** The token with this id, valid or revoked. */
  public Optional<ApiToken> find(long id) {
    return jdbc.sql("SELECT * FROM api_token WHERE id = :id")
        .param("id", id)
        .query(TokenStore::token)
        .optional();
  }

  /**
   * Revokes a token: requests carrying it, and browser sessions logged in with it, are refused from
   * now on. Revoking a revoked token changes nothing.
   *
   * @return false if there is no such token
   */
  public boolean revoke(long id) {
    jdbc.sql("UPDATE api_token SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
        .param("now", toSql(clock.instant()))
        .param("id", id)
        .update();
    return find(id).isPresent();
  }

  /** The caller a presented secret stands for, if it is a valid token. */
  public Optional<Caller> authenticate(String secret) {
    if (secret != null && secret.startsWith(TrialTokens.PREFIX)) {
      return trialTokens.authenticate(secret);
    }
    if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) {
      return Optional.empty();
    }
    Optional<ApiToken> token =
        jdbc.sql("SELECT * FROM api_token WHERE token_hash = :hash AND revoked_at IS NULL")
            .param("hash", hash(secret))
            .query(TokenStore::token)
            .optional();
    token.ifPresent(this::touch);
    return token.map(t -> new Caller(t.id(), t.name(), t.role(), t.mayRunCommands()));
  }

  /** Whether the token is still valid (a browser session re-checks its token at every request). */
  public boolean active(long id) {
    return find(id).map(ApiToken::active).orElse(false);
  }

  /**
   * Whether this request's caller may still act as it did: false once its token is revoked. Asked
   * again by what outlives the request (an event stream). Always true without a token
   * (authentication off) and for a command trial's token, which ends with its trial.
   */
  public BooleanSupplier stillActive(HttpServletRequest request) {
    Optional<Caller> caller = Caller.of(request).filter(c -> c.trialId() == null);
    if (caller.isEmpty()) {
      return () -> true;
    }
    long id = caller.get().tokenId();
    return () -> active(id);
  }

  /**
   * Whether any valid admin token made with authentication on exists (else the first start with
   * authentication makes one).
   */
  public boolean hasActiveAdmin() {
    return jdbc.sql(
                "SELECT COUNT(*) FROM api_token"
                    + " WHERE role = 'admin' AND revoked_at IS NULL AND created_with_auth")
            .query(Long.class)
            .single()
        > 0;
  }

  /**
   * Revokes every valid token made while authentication was off: anyone who could connect could
   * have made it.
   *
   * @return how many were revoked
   */
  public int revokeMadeWithoutAuth() {
    return jdbc.sql(
            "UPDATE api_token SET revoked_at = :now"
                + " WHERE revoked_at IS NULL AND NOT created_with_auth")
        .param("now", toSql(clock.instant()))
        .update();
  }

  private void touch(ApiToken token) {
    Instant now = clock.instant();
    if (token.lastUsedAt() == null || token.lastUsedAt().plus(LAST_USED_RESOLUTION).isBefore(now)) {
      jdbc.sql("UPDATE api_token SET last_used_at = :now WHERE id = :id")
          .param("now", toSql(now))
          .param("id", token.id())
          .update();
    }
  }

  static String hash(String secret) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JDK has SHA-256", e);
    }
  }

  private static ApiToken token(ResultSet row, int n) throws SQLException {
    return new ApiToken(
        row.getLong("id"),
        row.getString("name"),
        Role.of(row.getString("role")).orElseThrow(),
        instant(row, "created_at"),
        instant(row, "last_used_at"),
        instant(row, "revoked_at"),
        row.getBoolean("can_run_commands"));
  }
}
