package db.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * On H2 only: the event id's identity sequence hands out values from a cache of 10,000 instead of
 * H2's default 32.
 *
 * <p>Why: H2 writes a sequence's high-water mark through a commit of its own each time the cache
 * runs out, and with {@code WRITE_DELAY=0} every commit writes the store's dirty pages to the file.
 * With a cache of 32 that was a file write every 32 events, a quarter of the server's CPU during
 * ingestion ({@code bench/event-ingestion.sh}). H2's cache is one per database (not per session),
 * so ids still increase in the order they are handed out; after a crash the sequence continues
 * above the last written mark (a gap, never a reuse).
 *
 * <p>Not on PostgreSQL: there each session caches its own range, so two sessions' ids would
 * interleave out of commit order and an event stream reading "id &gt; last seen" could skip events.
 * A Java migration because the same SQL must not run on both databases.
 */
public class V8__H2_event_id_cache extends BaseJavaMigration {

  @Override
  public void migrate(Context context) throws SQLException {
    Connection connection = context.getConnection();
    if (!"H2".equalsIgnoreCase(connection.getMetaData().getDatabaseProductName())) {
      return;
    }
    try (Statement statement = connection.createStatement()) {
      statement.execute("ALTER TABLE trial_event ALTER COLUMN id SET CACHE 10000");
    }
  }
}
