package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.experiments.ExperimentQuery;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.pipelines.PipelineStore;
import dev.digitlab.server.testing.Stores;
import dev.digitlab.server.testing.TestDatabase;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * Rule (users manage their own experiments), on upgrade: rows stored before owners existed (V6)
 * belong to {@code local} after V7, so that with authentication on only admins change them; audit
 * entries from before keep no actor. Run on H2 and on PostgreSQL by the subclasses.
 */
abstract class OwnerMigrationContractTest {

  protected abstract TestDatabase openDatabaseAtV6();

  @Test
  void rows_from_before_owners_belong_to_local_and_old_audit_entries_name_nobody() {
    try (TestDatabase database = openDatabaseAtV6()) {
      JdbcClient jdbc = JdbcClient.create(database.dataSource());
      Timestamp now = Timestamp.from(Instant.parse("2026-01-01T00:00:00Z"));
      jdbc.sql(
              """
              INSERT INTO experiment (id, name, tags, dataset, spec, objective_metric,
                  objective_goal, max_parallel_trials, status, created_at, updated_at)
              VALUES (41, 'before-owners', ',', 'mnist', '{}', 'test_f1_macro', 'max', 1,
                  'queued', :now, :now)
              """)
          .param("now", now)
          .update();
      jdbc.sql(
              """
              INSERT INTO pipeline_run (id, name, spec, max_parallel, status, created_at,
                  heartbeat_at)
              VALUES (42, 'old-run', '{}', 1, 'succeeded', :now, :now)
              """)
          .param("now", now)
          .update();
      jdbc.sql("INSERT INTO registered_model (name, created_at) VALUES ('digits', :now)")
          .param("now", now)
          .update();
      jdbc.sql(
              "INSERT INTO model_audit (model_name, action, created_at)"
                  + " VALUES ('digits', 'archived', :now)")
          .param("now", now)
          .update();

      database.migrate();

      DataSourceTransactionManager transactions =
          new DataSourceTransactionManager(database.dataSource());
      ExperimentStore experiments = Stores.on(database).experiments();
      assertThat(experiments.find(41).orElseThrow().owner()).isEqualTo(Ownership.LOCAL);
      assertThat(experiments.list(ExperimentQuery.newestFirst().withOwner("local")).total())
          .isEqualTo(1);
      PipelineStore pipelines = new PipelineStore(jdbc, transactions, Clock.systemUTC());
      assertThat(pipelines.run(42).orElseThrow().owner()).isEqualTo(Ownership.LOCAL);
      assertThat(
              jdbc.sql("SELECT actor FROM model_audit WHERE model_name = 'digits'")
                  .query((row, n) -> java.util.Optional.ofNullable(row.getString("actor")))
                  .single())
          .isEmpty();
    }
  }
}
