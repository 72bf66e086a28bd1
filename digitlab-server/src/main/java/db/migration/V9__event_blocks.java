package db.migration;

import dev.digitlab.server.events.EventBlockCodec;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.List;
import org.flywaydb.core.api.migration.BaseJavaMigration;
import org.flywaydb.core.api.migration.Context;

/**
 * Events are stored in blocks, many events to a row, instead of one row per event: {@code
 * trial_event_block} replaces {@code trial_event}. See {@code EventStore} for why and how ids work.
 *
 * <p>Each stored event becomes a block of one, keeping its id (first_id = last_id = id), seq, type,
 * payload and time; a superseded event's block is superseded from its own seq. The block id
 * sequence starts above the greatest old id, so new events still sort after every old one and a
 * client's Last-Event-ID keeps working across the upgrade. A Java migration because each body is
 * written by {@link EventBlockCodec}; the SQL itself is the same on H2 and PostgreSQL.
 */
public class V9__event_blocks extends BaseJavaMigration {

  private static final int ROWS_PER_BATCH = 1_000;

  @Override
  public void migrate(Context context) throws SQLException {
    Connection connection = context.getConnection();
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          """
          CREATE TABLE trial_event_block (
              -- the id of the block's first event; the others follow it (see EventStore)
              first_id            bigint       PRIMARY KEY,
              last_id             bigint       NOT NULL,
              trial_id            bigint       NOT NULL REFERENCES trial (id) ON DELETE CASCADE,
              attempt             integer      NOT NULL,
              type                varchar(10)  NOT NULL
                  CHECK (type IN ('metric', 'log', 'progress', 'status', 'artifact')),
              -- the least and greatest seq of the block's events
              first_seq           bigint       NOT NULL,
              last_seq            bigint       NOT NULL,
              event_count         integer      NOT NULL,
              -- the block's events with a seq of at least this one are superseded
              superseded_from_seq bigint,
              body                bytea        NOT NULL,
              created_at          timestamp with time zone NOT NULL
          )
          """);
    }
    long maxId = copyEvents(connection);
    try (Statement statement = connection.createStatement()) {
      statement.execute(
          "CREATE SEQUENCE trial_event_block_id START WITH " + (maxId + 1) + " INCREMENT BY 65536");
      // Streams read by (trial, id); appends look up what an attempt stored by seq range.
      statement.execute(
          "CREATE INDEX trial_event_block_stream ON trial_event_block (trial_id, last_id)");
      statement.execute(
          "CREATE INDEX trial_event_block_seq ON trial_event_block (trial_id, attempt, last_seq)");
      statement.execute("DROP TABLE trial_event");
    }
  }

  /** Copies every old event into a block of its own; returns the greatest old id (0 if none). */
  private static long copyEvents(Connection connection) throws SQLException {
    long maxId = 0;
    try (Statement select = connection.createStatement();
        PreparedStatement insert =
            connection.prepareStatement(
                """
                INSERT INTO trial_event_block (first_id, last_id, trial_id, attempt, type,
                    first_seq, last_seq, event_count, superseded_from_seq, body, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?)
                """)) {
      select.setFetchSize(ROWS_PER_BATCH);
      int pending = 0;
      try (ResultSet row =
          select.executeQuery(
              "SELECT id, trial_id, attempt, seq, type, payload, superseded, created_at"
                  + " FROM trial_event ORDER BY id")) {
        while (row.next()) {
          long id = row.getLong("id");
          long seq = row.getLong("seq");
          maxId = Math.max(maxId, id);
          insert.setLong(1, id);
          insert.setLong(2, id);
          insert.setLong(3, row.getLong("trial_id"));
          insert.setInt(4, row.getInt("attempt"));
          insert.setString(5, row.getString("type"));
          insert.setLong(6, seq);
          insert.setLong(7, seq);
          if (row.getBoolean("superseded")) {
            insert.setLong(8, seq);
          } else {
            insert.setNull(8, Types.BIGINT);
          }
          insert.setBytes(
              9,
              EventBlockCodec.encodeEntries(
                  List.of(new EventBlockCodec.Entry(seq, row.getString("payload")))));
          insert.setObject(10, row.getObject("created_at", OffsetDateTime.class));
          insert.addBatch();
          if (++pending == ROWS_PER_BATCH) {
            insert.executeBatch();
            pending = 0;
          }
        }
      }
      if (pending > 0) {
        insert.executeBatch();
      }
    }
    return maxId;
  }
}
