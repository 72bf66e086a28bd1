package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A submitted experiment runs to the end on the embedded worker: real training on a small subset of
 * MNIST, read from the developer's data home (CI fetches it with {@code ./digitlab data fetch});
 * skipped when MNIST is not there, so that the test never downloads it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class EmbeddedWorkerTest {

  private static final Path DATA_HOME = MnistDataHome.PATH;

  @TempDir static Path home;

  @BeforeAll
  static void mnistIsFetched() {
    MnistDataHome.assumeFetched();
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
    // Heartbeats every 200 s: a cancel that lands within the test's wait came through the
    // worker's one-second look at the cancel flag, not through a heartbeat.
    properties.add("digitlab.worker.lease", () -> "10m");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired EventStore events;

  @Test
  void the_example_grid_runs_its_six_trials_to_the_end_and_its_best_trial_has_the_best_objective()
      throws Exception {
    // The issue's own file, as users submit it: 3 learning rates × 2 batch sizes.
    String file = Files.readString(Path.of("..", "examples", "grid-lr-batch.yaml"));
    long id = submit(port, file);

    Experiment done = awaitFinished(id, Duration.ofMinutes(3));

    assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    List<Trial> ran = trials.listByExperiment(id);
    assertThat(ran).hasSize(6);
    assertThat(ran)
        .allSatisfy(
            trial -> {
              assertThat(trial.status()).isEqualTo(TrialStatus.SUCCEEDED);
              assertThat(trial.testAccuracy()).isBetween(0.0, 1.0);
              assertThat(trial.progress()).isEqualTo(1.0);
              assertThat(trial.lastMetrics()).contains("test_f1_macro");
            });
    Trial best = ran.stream().max(Comparator.comparing(Trial::testF1Macro)).orElseThrow();
    assertThat(done.bestTrialId()).isEqualTo(best.id());
    List<TrialEvent> stream = events.after(best.id(), 0, 10_000);
    assertThat(stream).extracting(TrialEvent::type).contains(EventType.METRIC, EventType.STATUS);
    assertThat(stream.getLast().payload()).contains("succeeded");
  }

  @Test
  void a_running_trial_that_is_cancelled_stops_and_ends_cancelled() throws Exception {
    String file =
        """
        name: long-run
        config: {model: mlp, epochs: 30, seed: 1, hiddenSizes: [32]}
        """;
    HttpClient http = HttpClient.newHttpClient();
    var response =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(file))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    long experimentId = Json.mapper().readTree(response.body()).get("id").asLong();
    long trialId = trials.listByExperiment(experimentId).getFirst().id();
    awaitTraining(trialId, Duration.ofMinutes(3));

    var cancel =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + port + "/api/v1/trials/" + trialId + "/cancel"))
                .POST(BodyPublishers.noBody())
                .build(),
            BodyHandlers.ofString());

    assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(202);
    Experiment done = awaitStopped(experimentId, Duration.ofMinutes(1));
    assertThat(done.status()).isEqualTo(ExperimentStatus.CANCELLED);
    Trial trial = trials.get(trialId);
    assertThat(trial.status()).isEqualTo(TrialStatus.CANCELLED);
    assertThat(trial.progress()).isLessThan(1.0);
    assertThat(events.after(trialId, 0, 10_000).getLast().payload()).contains("cancelled");
  }

  /**
   * Two trials one after the other: a good learning rate, then one too small to learn; ASHA with
   * rungs at epochs 1, 2, 4 prunes the second at epoch 1.
   */
  static final String PRUNED_AT_RUNG =
      """
      name: pruned-at-rung
      config: {model: mlp, epochs: 3, seed: 1, hiddenSizes: [32], trainSubset: 1000,
               validationRatio: 0.2}
      search:
        type: grid
        parameters:
          learningRate: [0.01, 1.0e-7]
      pruner: {type: asha, metric: val_accuracy, minEpochs: 1, reductionFactor: 2}
      """;

  @Test
  void a_trial_pruned_at_an_epoch_records_no_metric_of_a_later_epoch() throws Exception {
    // Two trials one after the other (one slot): a good learning rate, then one too small to
    // learn. ASHA with rungs at epochs 1, 2, 4: the first trial is alone at each rung and goes on;
    // the second is behind it at epoch 1 and is pruned there. The decision comes back with the
    // epoch's metric batch, which the epoch's end waits for, so the run stops before epoch 2;
    // learnt later (the worker's cancel check, every second) epoch 2 would have begun, and its
    // sampled train_loss points (≈50 an epoch) would be stored with epoch 2.
    String file = PRUNED_AT_RUNG;
    long id = submit(port, file);

    Experiment done = awaitFinished(id, Duration.ofMinutes(3));

    assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertSecondTrialStoppedAtItsPruningEpoch(trials, events, id);
  }

  @Test
  void a_trial_that_reported_its_last_epoch_completes_instead_of_being_pruned() throws Exception {
    // ASHA with rungs at epochs 1 and 2 and a bootstrap count of 1: the first trial to reach a
    // rung stops there. The first trial (a learning rate too small to learn) is alone at epoch 1
    // and is pruned there, before its last epoch. The second beats it at epoch 1 and goes on; it
    // is then the first at rung 1, which is its last epoch: stopping it would save nothing, so it
    // completes, with its test metrics, and is never asked to stop.
    String file =
        """
        name: last-epoch-completes
        config: {model: mlp, epochs: 2, seed: 1, hiddenSizes: [32], trainSubset: 1000,
                 validationRatio: 0.2}
        search:
          type: grid
          parameters:
            learningRate: [1.0e-7, 0.01]
        pruner: {type: asha, metric: val_accuracy, minEpochs: 1, reductionFactor: 2,
                 bootstrapCount: 1}
        """;
    long id = submit(port, file);

    awaitFinished(id, Duration.ofMinutes(3));

    List<Trial> ran =
        trials.listByExperiment(id).stream().sorted(Comparator.comparing(Trial::id)).toList();
    assertThat(ran)
        .extracting(Trial::status)
        .containsExactly(TrialStatus.PRUNED, TrialStatus.SUCCEEDED);
    assertThat(metricEpochs(events, ran.get(0).id())).containsExactly(1);
    assertThat(metricEpochs(events, ran.get(1).id())).containsExactly(1, 2);
    assertThat(ran.get(1).testAccuracy()).isNotNull().isBetween(0.5, 1.0);
    // It was never asked to stop: a stop asked after the last epoch made the trial's end a race
    // between the test evaluation and the worker's cancel check (pruned or succeeded).
    assertThat(ran.get(1).cancelRequested()).isFalse();
  }

  /** Submits an experiment file as users do; returns the new experiment's id. */
  static long submit(int port, String yaml) throws Exception {
    var response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/v1/experiments"))
                    .header("Content-Type", "application/yaml")
                    .POST(BodyPublishers.ofString(yaml))
                    .build(),
                BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Json.mapper().readTree(response.body()).get("id").asLong();
  }

  /**
   * {@link #PRUNED_AT_RUNG}'s outcome: the first trial ran its three epochs, the second was pruned
   * at epoch 1 and stored no metric of a later epoch.
   */
  static void assertSecondTrialStoppedAtItsPruningEpoch(
      TrialStore trials, EventStore events, long experimentId) throws Exception {
    List<Trial> ran =
        trials.listByExperiment(experimentId).stream()
            .sorted(Comparator.comparing(Trial::id))
            .toList();
    assertThat(ran)
        .extracting(Trial::status)
        .containsExactly(TrialStatus.SUCCEEDED, TrialStatus.PRUNED);
    assertThat(metricEpochs(events, ran.get(0).id())).containsExactly(1, 2, 3);
    assertThat(metricEpochs(events, ran.get(1).id())).containsExactly(1);
  }

  /** The epochs the trial's stored metric events belong to. */
  static SortedSet<Integer> metricEpochs(EventStore events, long trialId) {
    SortedSet<Integer> epochs = new TreeSet<>();
    for (TrialEvent event : events.after(trialId, 0, 10_000)) {
      if (event.type() == EventType.METRIC) {
        var epoch = Json.mapper().readTree(event.payload()).get("epoch");
        if (epoch != null && !epoch.isNull()) {
          epochs.add(epoch.asInt());
        }
      }
    }
    return epochs;
  }

  /** Waits until the trial is running and has reported training progress. */
  private void awaitTraining(long trialId, Duration limit) throws InterruptedException {
    Waiting.until(
        () -> trials.get(trialId),
        t -> t.status() == TrialStatus.RUNNING && t.progress() > 0,
        limit,
        "trial " + trialId + " training");
  }

  private Experiment awaitStopped(long id, Duration limit) throws InterruptedException {
    return Waiting.until(
        () -> experiments.find(id).orElseThrow(),
        e -> e.status() != ExperimentStatus.RUNNING && e.status() != ExperimentStatus.QUEUED,
        limit,
        "experiment " + id + " stopping");
  }

  private Experiment awaitFinished(long id, Duration limit) throws InterruptedException {
    return Waiting.until(
        () -> experiments.find(id).orElseThrow(),
        e -> e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED,
        limit,
        "experiment " + id + " finishing");
  }
}
