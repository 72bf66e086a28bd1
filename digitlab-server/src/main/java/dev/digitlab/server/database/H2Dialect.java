package dev.digitlab.server.database;

/**
 * H2 (embedded, one process): a data-change delta table stands in for RETURNING. H2 2.4 accepts the
 * pick's {@code FOR UPDATE OF t SKIP LOCKED} as PostgreSQL does.
 */
public record H2Dialect() implements Dialect {

  @Override
  public String claimTrial(String pickNextQueuedTrial) {
    return """
        SELECT id, attempt, lease_token, lease_expires_at, config, checkpoint_attempt,
               checkpoint_seq, checkpoint_epoch FROM FINAL TABLE (
          UPDATE trial SET status = 'running', attempt = attempt + 1, lease_token = :token,
                 lease_owner = :owner, worker_name = :owner, lease_expires_at = :expiresAt, started_at = :now,
                 progress = 0
           WHERE id = (%s) AND status = 'queued')
        """
        .formatted(pickNextQueuedTrial);
  }
}
