package dev.digitlab.server.testing;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Whether a statement waits on another transaction's lock, on PostgreSQL: the state a race test
 * waits for (no timing) before it lets the other transaction go on.
 */
public final class LockWaits {

  private LockWaits() {}

  /**
   * Whether a session of {@code jdbc}'s database waits on a lock in a statement containing {@code
   * text} ({@code pg_stat_activity}).
   */
  public static boolean waiting(JdbcClient jdbc, String text) {
    return jdbc.sql(
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
                    + " AND wait_event_type = 'Lock' AND query LIKE :pattern")
            .param("pattern", "%" + text + "%")
            .query(Long.class)
            .single()
        > 0;
  }
}
