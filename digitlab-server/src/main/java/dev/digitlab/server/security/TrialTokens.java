package dev.digitlab.server.security;

import static dev.digitlab.server.database.Timestamps.toSql;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Tokens scoped to one attempt of one command trial: what its program gets as {@code
 * MLFLOW_TRACKING_TOKEN}. Such a token may only log to that trial's MLflow run (log-metric,
 * log-batch, log-parameter, set-tag, artifacts, and reading the run itself), and only while the
 * attempt holds its lease: the check joins the trial row, so the token dies with the lease (the
 * attempt ending, its lease expiring, a retry). Only its hash is stored, one row per attempt,
 * deleted with its trial.
 */
@Component
public class TrialTokens {

  /** How a trial token starts (an API token starts {@code dlt_}). */
  static final String PREFIX = "dlr_";

  private static final SecureRandom RANDOM = new SecureRandom();

  private final JdbcClient jdbc;
  private final Clock clock;

  TrialTokens(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** A new token for this attempt of the trial; its secret is in the answer and nowhere else. */
  public String mint(long trialId, int attempt) {
    byte[] random = new byte[32];
    RANDOM.nextBytes(random);
    String secret = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    jdbc.sql(
            """
            INSERT INTO trial_token (token_hash, trial_id, attempt, created_at)
            VALUES (:hash, :trial, :attempt, :now)
            """)
        .param("hash", TokenStore.hash(secret))
        .param("trial", trialId)
        .param("attempt", attempt)
        .param("now", toSql(clock.instant()))
        .update();
    return secret;
  }

  /**
   * The caller a trial token stands for, while its attempt still runs under a lease that has not
   * expired; empty otherwise. It acts as the experiment's owner, in the role {@link Role#TRIAL}.
   */
  Optional<Caller> authenticate(String secret) {
    if (secret == null || !secret.startsWith(PREFIX) || secret.length() > 200) {
      return Optional.empty();
    }
    return jdbc.sql(
            """
            SELECT t.id, e.owner FROM trial_token k
              JOIN trial t ON t.id = k.trial_id AND t.attempt = k.attempt
              JOIN experiment e ON e.id = t.experiment_id
             WHERE k.token_hash = :hash AND t.status = 'running'
               AND t.lease_expires_at > :now
            """)
        .param("hash", TokenStore.hash(secret))
        .param("now", toSql(clock.instant()))
        .query((row, n) -> Caller.forTrial(row.getLong("id"), row.getString("owner")))
        .optional();
  }
}
