package dev.digitlab.server.workers;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.server.events.EventBatchReader;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.PrunedTrials;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.RetryPolicy;
import dev.digitlab.server.search.MetricCurves;
import dev.digitlab.server.search.TrialPruning;
import dev.digitlab.server.testing.SqlLog;
import dev.digitlab.server.testing.Stores;
import dev.digitlab.server.testing.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * What storing a worker's metric batch costs in database round trips (H2, as the embedded server):
 * every batch of a running trial's metrics comes through {@link AttemptReports#events}, once a
 * second from the embedded worker and at every epoch's end from a remote one. Its answer's {@code
 * stop} needs the trial's cancel flag, which the lease fence reads under the row lock it takes
 * anyway; an experiment without a pruner asks nothing more once the batch's transaction is done.
 */
class AttemptReportsQueriesTest {

  private TestDatabase database;
  private SqlLog sql;
  private Stores stores;
  private AttemptReports reports;

  @BeforeEach
  void setUp() {
    database = TestDatabase.h2();
    sql = new SqlLog(database.dataSource());
    stores = Stores.on(sql.dataSource(), database.dialect(), RetryPolicy.DEFAULTS);
    JdbcClient jdbc = JdbcClient.create(sql.dataSource());
    reports =
        new AttemptReports(
            stores.queue(),
            new QueueSignal(),
            stores.events(),
            stores.trials(),
            new TrialPruning(jdbc, new MetricCurves(stores.events()), new PrunedTrials(jdbc)),
            null, // command and dataset tasks: only a claim's grant needs them
            null,
            new DataSourceTransactionManager(sql.dataSource()));
  }

  @AfterEach
  void tearDown() {
    if (database != null) {
      database.close();
    }
  }

  @Test
  void a_metric_batch_without_a_pruner_queries_nothing_after_its_transaction() {
    Lease lease = leaseOfNewTrial();
    // The first batch learns that the experiment has no pruner (read once, kept; a remote lease's
    // grant reads it first).
    reports.events(lease.trialId(), metrics(lease, 1, 1));
    sql.clear();

    AttemptReports.StoredBatch stored = reports.events(lease.trialId(), metrics(lease, 2, 2));

    assertThat(stored).isEqualTo(new AttemptReports.StoredBatch(1, false));
    assertThat(sql.executed()).isNotEmpty();
    assertThat(sql.executed())
        .as("statements outside the batch's transaction")
        .filteredOn(statement -> !statement.inTransaction())
        .isEmpty();
  }

  @Test
  void a_user_s_cancel_is_still_answered_stop_from_the_fenced_read() {
    Lease lease = leaseOfNewTrial();
    assertThat(reports.events(lease.trialId(), metrics(lease, 1, 1)).stop()).isFalse();
    assertThat(stores.moves().requestCancel(lease.trialId())).isTrue();
    sql.clear();

    AttemptReports.StoredBatch next = reports.events(lease.trialId(), metrics(lease, 2, 2));
    AttemptReports.StoredBatch resent = reports.events(lease.trialId(), metrics(lease, 2, 2));

    assertThat(next).isEqualTo(new AttemptReports.StoredBatch(1, true));
    assertThat(resent).as("a resent batch").isEqualTo(new AttemptReports.StoredBatch(0, true));
    assertThat(sql.executed())
        .filteredOn(statement -> !statement.inTransaction())
        .as("statements outside the batches' transactions")
        .isEmpty();
  }

  /** Two trials whose experiment has an ASHA pruner on val_accuracy (rung 0 at epoch 1). */
  static final String PRUNED =
      """
      {"name": "pruned", "dataset": "mnist",
       "config": {"model": "mlp", "epochs": 3, "validationRatio": 0.1},
       "search": {"type": "grid", "parameters": {"learningRate": [0.001, 0.002]}},
       "pruner": {"type": "asha", "metric": "val_accuracy", "minEpochs": 1, "reductionFactor": 3}}
      """;

  @Test
  void a_metric_batch_with_a_pruner_reads_the_trial_only_under_the_fence() {
    stores.experiments().create(anExperiment().withTrials(2).spec(PRUNED).build());
    Lease ahead = stores.queue().claim("w", Set.of("cpu"), Duration.ofMinutes(1)).orElseThrow();
    Lease behind = stores.queue().claim("w", Set.of("cpu"), Duration.ofMinutes(1)).orElseThrow();
    assertThat(reports.events(ahead.trialId(), metrics(ahead, 1, 1, 0.90)).stop()).isFalse();
    sql.clear();

    // Worse at the rung than the only other trial there: ASHA stops it (Optuna's rule).
    AttemptReports.StoredBatch worse =
        reports.events(behind.trialId(), metrics(behind, 1, 1, 0.80));

    assertThat(worse).isEqualTo(new AttemptReports.StoredBatch(1, true));
    assertThat(sql.executed())
        .as("the trial's own row read again after the batch's transaction")
        .filteredOn(statement -> !statement.inTransaction())
        .filteredOn(
            statement ->
                statement
                    .sql()
                    .toLowerCase(Locale.ROOT)
                    .matches("(?s)select .* from trial where id\\b.*"))
        .isEmpty();
    assertThat(sql.executed())
        .as("the sibling trials the pruner compares with are still read")
        .filteredOn(statement -> !statement.inTransaction())
        .filteredOn(
            statement ->
                statement.sql().toLowerCase(Locale.ROOT).contains("from trial where experiment_id"))
        .hasSize(1);
  }

  private Lease leaseOfNewTrial() {
    stores.experiments().create(anExperiment().build());
    return stores.queue().claim("worker-1", Set.of("cpu"), Duration.ofMinutes(1)).orElseThrow();
  }

  /** One val_accuracy point of {@code epoch}, event {@code seq} of the lease's attempt. */
  private static EventBatchReader.Batch metrics(Lease lease, long seq, int epoch) {
    return metrics(lease, seq, epoch, 0.5 + epoch / 100.0);
  }

  private static EventBatchReader.Batch metrics(Lease lease, long seq, int epoch, double value) {
    MetricPoint point = new MetricPoint("val_accuracy", value, epoch * 10L, epoch);
    List<NewEvent> events = new ArrayList<>();
    events.add(
        new NewEvent(
            lease.firstSeq() + seq - 1,
            EventType.METRIC,
            "{\"key\":\"val_accuracy\",\"value\":"
                + point.value()
                + ",\"step\":"
                + point.step()
                + ",\"epoch\":"
                + epoch
                + "}"));
    List<EventPayload> payloads = List.of(point);
    return new EventBatchReader.Batch(lease.leaseToken(), lease.attempt(), events, payloads);
  }
}
