package dev.digitlab.server.database;

/** PostgreSQL: UPDATE ... RETURNING. */
public record PostgresDialect() implements Dialect {

  @Override
  public String claimTrial(String pickNextQueuedTrial) {
    return """
        UPDATE trial SET status = 'running', attempt = attempt + 1, lease_token = :token,
               lease_owner = :owner, worker_name = :owner, lease_expires_at = :expiresAt, started_at = :now,
               progress = 0
         WHERE id = (%s) AND status = 'queued'
        RETURNING id, attempt, lease_token, lease_expires_at, config, checkpoint_attempt,
               checkpoint_seq, checkpoint_epoch
        """
        .formatted(pickNextQueuedTrial);
  }
}
