package dev.digitlab.server.database;

/**
 * H2 (embedded, one process): a data-change delta table stands in for RETURNING, and an
 * insert-select for ON CONFLICT. H2 2.4 accepts the pick's {@code FOR UPDATE OF t SKIP LOCKED} as
 * PostgreSQL does.
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

  @Override
  public String insertEventUnlessPresent() {
    return """
        INSERT INTO trial_event (trial_id, attempt, seq, type, payload, created_at)
        SELECT v.trial_id, v.attempt, v.seq, v.type, v.payload, v.created_at
          FROM (SELECT CAST(? AS bigint) AS trial_id, CAST(? AS integer) AS attempt,
                       CAST(? AS bigint) AS seq, CAST(? AS varchar) AS type,
                       CAST(? AS varchar) AS payload,
                       CAST(? AS timestamp with time zone) AS created_at) v
         WHERE NOT EXISTS (SELECT 1 FROM trial_event e
                            WHERE e.trial_id = v.trial_id AND e.attempt = v.attempt
                              AND e.seq = v.seq)
        """;
  }
}
