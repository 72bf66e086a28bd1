package dev.digitlab.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.FileFormat;
import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.events.EventSignals;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.NewExperiment;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.PrunedTrials;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.RetryPolicy;
import dev.digitlab.server.queue.SuggestedTrials;
import dev.digitlab.server.queue.TrialLifecycles;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.testing.MutableClock;
import dev.digitlab.server.testing.Stores;
import dev.digitlab.server.testing.TestDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * A TPE search on every database the server runs on: trials are suggested as slots free up, never
 * more than {@code parallelism} pending, {@code maxTrials} in all; and the search lives in the
 * stored trials, so a restarted server or a second one on the same database continues it exactly as
 * one uninterrupted server would.
 */
abstract class TpeSearchContractTest {

  static final String SPEC =
      """
      name: tpe-search
      config: {model: mlp, epochs: 1}
      objective: {metric: test_f1_macro}
      search:
        type: tpe
        maxTrials: 16
        parallelism: 2
        nStartupTrials: 5
        seed: 11
        parameters:
          learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
          dropout: {min: 0, max: 0.5}
          batchSize: [32, 64, 128, 256]
      """;

  private static final ObjectMapper JSON = Json.mapper();
  private static final Duration LEASE = Duration.ofSeconds(30);

  private TestDatabase database;
  private MutableClock clock;
  private JdbcClient jdbc;

  protected abstract TestDatabase openDatabase();

  @BeforeEach
  void open() {
    database = openDatabase();
    clock = new MutableClock(Stores.START);
    jdbc = JdbcClient.create(new JdbcTemplate(database.dataSource()));
  }

  @AfterEach
  void close() {
    database.close();
  }

  /** One server process: its own stores, queue and search, sharing only the database. */
  private record Server(
      ExperimentStore experiments,
      TrialQueue queue,
      EventStore events,
      TrialPruning pruning,
      TransactionTemplate transaction) {}

  private Server startServer() {
    JdbcTemplate template = new JdbcTemplate(database.dataSource());
    JdbcClient client = JdbcClient.create(template);
    var transactions = new DataSourceTransactionManager(database.dataSource());
    EventStore events =
        new EventStore(template, transactions, clock, new EventSignals(new SimpleMeterRegistry()));
    MetricCurves curves = new MetricCurves(events);
    TpeSearch search =
        new TpeSearch(client, new SuggestedTrials(client, clock), new QueueSignal(), clock, curves);
    // The search hears of trial changes first, as its @Order puts it in the server: the
    // experiment's roll-up then sees the trials it suggested.
    AtomicReference<ExperimentStore> experimentStore = new AtomicReference<>();
    TrialLifecycles lifecycle = new TrialLifecycles(() -> List.of(search, experimentStore.get()));
    ExperimentStore experiments =
        new ExperimentStore(
            client, transactions, clock, new TrialMoves(client, transactions, clock, lifecycle));
    experimentStore.set(experiments);
    TrialQueue queue =
        new TrialQueue(
            client,
            transactions,
            clock,
            database.dialect(),
            lifecycle,
            events,
            RetryPolicy.DEFAULTS);
    return new Server(
        experiments,
        queue,
        events,
        new TrialPruning(client, curves, new PrunedTrials(client)),
        new TransactionTemplate(transactions));
  }

  private long submit(Server server) {
    return submit(server, SPEC);
  }

  private long submit(Server server, String yaml) {
    ExperimentFiles files = new ExperimentFiles();
    var spec = files.read(yaml, FileFormat.YAML);
    Experiment stored =
        server
            .experiments()
            .create(
                new NewExperiment(
                    spec.name(),
                    "local",
                    "",
                    List.of(),
                    spec.dataset(),
                    files.toJson(spec),
                    new Objective(ObjectiveMetric.TEST_F1_MACRO, Goal.MAX),
                    4,
                    0,
                    List.of()));
    // no roll-up called here: storing the experiment suggested its first trials
    return stored.id();
  }

  /** A synthetic objective of the trial's config, best near lr 3e-3, dropout 0.2, batch 64. */
  private static double f1(String config) throws Exception {
    JsonNode c = JSON.readTree(config);
    double lr = Math.log10(c.get("learningRate").asDouble()) + 2.5;
    double dropout = c.get("dropout").asDouble() - 0.2;
    double batch = Math.abs(Math.log(c.get("batchSize").asDouble() / 64.0));
    return 1 - 0.05 * lr * lr - dropout * dropout - 0.02 * batch;
  }

  /**
   * One step of a worker pool: claim what can be claimed, then finish the oldest held trial.
   * Returns false when nothing was left to run.
   */
  private boolean step(Server server, Deque<Lease> held) throws Exception {
    Optional<Lease> lease;
    while ((lease = server.queue().claim("worker", Set.of("cpu"), LEASE)).isPresent()) {
      held.add(lease.get());
      assertPendingAreDistinct();
    }
    Lease oldest = held.poll();
    if (oldest == null) {
      return false;
    }
    double f1 = f1(oldest.config());
    server
        .queue()
        .complete(
            oldest.trialId(),
            oldest.leaseToken(),
            new TrialOutcome.Succeeded(f1, f1, null, 1.0, "{}"));
    return true;
  }

  private void assertPendingAreDistinct() {
    List<String> pending =
        jdbc.sql("SELECT config FROM trial WHERE status IN ('queued', 'running')")
            .query(String.class)
            .list();
    assertThat(new HashSet<>(pending)).hasSameSizeAs(pending);
    assertThat(pending.size()).isLessThanOrEqualTo(2);
  }

  private List<String> configs(long experimentId) {
    return jdbc.sql("SELECT config FROM trial WHERE experiment_id = :id ORDER BY ordinal")
        .param("id", experimentId)
        .query(String.class)
        .list();
  }

  private List<Integer> ordinals(long experimentId) {
    return jdbc.sql("SELECT ordinal FROM trial WHERE experiment_id = :id ORDER BY ordinal")
        .param("id", experimentId)
        .query(Integer.class)
        .list();
  }

  @Test
  void a_restarted_server_and_a_second_server_continue_the_search_as_one_server_would()
      throws Exception {
    // The reference: one server runs the whole search.
    Server alone = startServer();
    long reference = submit(alone);
    assertThat(configs(reference)).hasSize(2); // parallelism 2: two suggested up front
    Deque<Lease> held = new ArrayDeque<>();
    while (step(alone, held)) {
      // runs to the end
    }
    assertThat(ordinals(reference)).containsExactlyElementsOf(range(16));
    assertThat(alone.experiments().find(reference).orElseThrow().status())
        .isEqualTo(ExperimentStatus.SUCCEEDED);

    // The same search, its server "restarted" (a fresh process on the same database) after 6
    // trials, then alternating with a second server.
    Server first = startServer();
    long search = submit(first);
    held.clear();
    for (int i = 0; i < 6; i++) {
      assertThat(step(first, held)).isTrue();
    }
    Server restarted = startServer();
    Server second = startServer();
    boolean more = true;
    for (int i = 0; more; i++) {
      more = step(i % 2 == 0 ? restarted : second, held);
    }
    assertThat(ordinals(search)).containsExactlyElementsOf(range(16));
    assertThat(configs(search)).containsExactlyElementsOf(configs(reference));
    assertThat(new HashSet<>(configs(search))).hasSize(16);
    assertThat(restarted.experiments().find(search).orElseThrow().status())
        .isEqualTo(ExperimentStatus.SUCCEEDED);
  }

  @Test
  void an_asha_pruner_stops_a_trial_behind_its_rung_and_the_search_counts_it_as_pruned()
      throws Exception {
    Server server = startServer();
    String yaml =
        SPEC.replace("config: {model: mlp, epochs: 1}", "config: {model: mlp, epochs: 4}")
                .replace("parallelism: 2", "parallelism: 3")
            + "maxParallelTrials: 3\n"
            + "pruner: {type: asha, metric: epoch_train_accuracy, minEpochs: 1,"
            + " reductionFactor: 3}\n";
    long search = submit(server, yaml);
    List<Lease> leases = new ArrayList<>();
    Optional<Lease> lease;
    while ((lease = server.queue().claim("worker", Set.of("cpu"), LEASE)).isPresent()) {
      leases.add(lease.get());
    }
    assertThat(leases).hasSize(3);
    // Epoch 1 is rung 0 (minEpochs 1 · 3^0). The first to report is the only one there: it goes
    // on. The second, worse, is one of two: only the best of the first two goes on (Optuna).
    assertThat(report(server, search, leases.get(0), 1, 0.90)).isFalse();
    assertThat(report(server, search, leases.get(1), 1, 0.80)).isTrue();
    // The third, best so far at the rung, goes on; another metric key decides nothing.
    assertThat(report(server, search, leases.get(2), 1, 0.95)).isFalse();
    assertThat(
            server.pruning().reported(reporting(search, leases.get(0)), Set.of("epoch_train_loss")))
        .isFalse();

    // The worker stops as for a cancel; the trial ends pruned, not cancelled, and the search
    // suggests the next trial in its place.
    assertThat(
            server
                .queue()
                .heartbeat(leases.get(1).trialId(), leases.get(1).leaseToken(), LEASE)
                .cancelRequested())
        .isTrue();
    server
        .queue()
        .complete(
            leases.get(1).trialId(), leases.get(1).leaseToken(), new TrialOutcome.Cancelled(1.0));
    assertThat(status(leases.get(1).trialId())).isEqualTo("pruned");
    assertThat(ordinals(search)).containsExactly(0, 1, 2, 3);
    // Its curve is kept.
    assertThat(
            new MetricCurves(server.events())
                .curve(leases.get(1).trialId(), "epoch_train_accuracy"))
        .containsEntry(1, 0.80);
  }

  /** The leased trial as a metric batch's transaction reads it for the pruner. */
  private static TrialPruning.ReportingTrial reporting(long search, Lease lease) {
    return TrialPruning.ReportingTrial.of(
        lease.trialId(), search, TrialQueue.BUILTIN_KIND, lease.config());
  }

  private boolean report(Server server, long search, Lease lease, int epoch, double value) {
    server
        .transaction()
        .executeWithoutResult(
            status -> {
              server.queue().fence(lease.trialId(), lease.attempt(), lease.leaseToken());
              server
                  .events()
                  .append(
                      lease.trialId(),
                      lease.attempt(),
                      List.of(
                          new NewEvent(
                              epoch,
                              EventType.METRIC,
                              "{\"key\":\"epoch_train_accuracy\",\"value\":"
                                  + value
                                  + ",\"step\":"
                                  + epoch * 100
                                  + ",\"epoch\":"
                                  + epoch
                                  + "}")));
            });
    return server.pruning().reported(reporting(search, lease), Set.of("epoch_train_accuracy"));
  }

  private String status(long trialId) {
    return jdbc.sql("SELECT status FROM trial WHERE id = :id")
        .param("id", trialId)
        .query(String.class)
        .single();
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }
}
