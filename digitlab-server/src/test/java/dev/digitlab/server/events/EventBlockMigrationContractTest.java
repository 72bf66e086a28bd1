package dev.digitlab.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * On upgrade (V9): events stored one per row in {@code trial_event} are still every stream's
 * events, with their ids, seqs, types, payloads and times; superseded ones stay hidden; new events
 * get greater ids, so a client's Last-Event-ID from before the upgrade still resumes its stream.
 * Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class EventBlockMigrationContractTest {

  private static final Instant THEN = Instant.parse("2026-01-01T00:00:00Z");

  protected abstract TestDatabase openDatabaseAtV8();

  @Test
  void events_stored_one_per_row_survive_the_move_to_blocks() {
    try (TestDatabase database = openDatabaseAtV8()) {
      JdbcClient jdbc = JdbcClient.create(database.dataSource());
      Timestamp then = Timestamp.from(THEN);
      jdbc.sql(
              """
              INSERT INTO experiment (id, name, tags, dataset, spec, objective_metric,
                  objective_goal, max_parallel_trials, status, created_at, updated_at)
              VALUES (41, 'before-blocks', ',', 'mnist', '{}', 'test_f1_macro', 'max', 1,
                  'running', :then, :then)
              """)
          .param("then", then)
          .update();
      jdbc.sql(
              """
              INSERT INTO trial (id, experiment_id, ordinal, config, status, attempt, queued_at)
              VALUES (7, 41, 0, '{}', 'running', 2, :then)
              """)
          .param("then", then)
          .update();
      insertOld(jdbc, 100, 1, 0, "status", "{\"status\":\"running\"}", false);
      insertOld(jdbc, 101, 1, 1, "metric", "{\"key\":\"loss\",\"value\":0.5}", false);
      insertOld(jdbc, 102, 1, 2, "log", "{\"message\":\"Größe ✓\"}", true);
      insertOld(jdbc, 250, 2, 2, "log", "{\"message\":\"again\"}", false);

      database.migrate();

      EventStore events =
          new EventStore(
              new JdbcTemplate(database.dataSource()),
              new DataSourceTransactionManager(database.dataSource()),
              Clock.fixed(THEN.plusSeconds(60), ZoneOffset.UTC),
              new EventSignals(new SimpleMeterRegistry()));
      assertThat(events.after(7, 0, 100))
          .extracting(
              TrialEvent::id,
              TrialEvent::attempt,
              TrialEvent::seq,
              TrialEvent::type,
              TrialEvent::payload,
              TrialEvent::createdAt)
          .containsExactly(
              tuple(100L, 1, 0L, EventType.STATUS, "{\"status\":\"running\"}", THEN),
              tuple(101L, 1, 1L, EventType.METRIC, "{\"key\":\"loss\",\"value\":0.5}", THEN),
              tuple(250L, 2, 2L, EventType.LOG, "{\"message\":\"again\"}", THEN));
      assertThat(events.find(7, 1, 2)).as("superseded before the upgrade").isEmpty();
      assertThat(events.after(7, 101, 100)).extracting(TrialEvent::id).containsExactly(250L);
      assertThat(events.lastId(7)).isEqualTo(250);
      assertThat(events.lastSeq(7)).isEqualTo(2);

      // Idempotency still sees the old events, and new ids follow the old ones.
      assertThat(
              events.append(
                  7,
                  2,
                  List.of(
                      new NewEvent(2, EventType.LOG, "{\"message\":\"resent\"}"),
                      new NewEvent(3, EventType.METRIC, "{\"key\":\"loss\",\"value\":0.25}"))))
          .isEqualTo(1);
      List<TrialEvent> fresh = events.after(7, 250, 100);
      assertThat(fresh).extracting(TrialEvent::seq).containsExactly(3L);
      assertThat(fresh.getFirst().id()).isGreaterThan(250);
      assertThat(events.lastIdInExperiment(41)).isEqualTo(fresh.getFirst().id());
    }
  }

  private static void insertOld(
      JdbcClient jdbc,
      long id,
      int attempt,
      long seq,
      String type,
      String payload,
      boolean superseded) {
    jdbc.sql(
            """
            INSERT INTO trial_event (id, trial_id, attempt, seq, type, payload, created_at,
                superseded)
            VALUES (:id, 7, :attempt, :seq, :type, :payload, :then, :superseded)
            """)
        .param("id", id)
        .param("attempt", attempt)
        .param("seq", seq)
        .param("type", type)
        .param("payload", payload)
        .param("then", Timestamp.from(THEN))
        .param("superseded", superseded)
        .update();
  }
}
