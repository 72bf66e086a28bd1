package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.remote.RemoteWorker;
import dev.digitlab.worker.remote.WorkerClient;
import dev.digitlab.worker.run.DatasetSource;
import dev.digitlab.worker.run.TrialRunner;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
 * A remote worker (the worker protocol over HTTP, the real {@link RemoteWorker} with its outbox, in
 * this JVM) learns of a prune from the answer to the epoch's events, not from its next heartbeat:
 * the pruned trial trains no epoch after the one that got it pruned. The server runs no embedded
 * worker, and the lease is long (heartbeats every 200 s), so only the events' answer can stop it in
 * time. Real training on a small MNIST subset; skipped when MNIST is not fetched.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RemoteWorkerPruningTest {

  @TempDir static Path home;
  @TempDir static Path workerHome;

  @BeforeAll
  static void mnistIsFetched() {
    MnistDataHome.assumeFetched();
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.worker.lease", () -> "10m");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired EventStore events;

  @Test
  void a_remote_trial_pruned_at_an_epoch_records_no_metric_of_a_later_epoch() throws Exception {
    URI server = URI.create("http://127.0.0.1:" + port);
    RemoteWorker worker =
        new RemoteWorker(
            new WorkerClient(server, null),
            new TrialRunner(
                DatasetSource.of(
                    new DatasetStore(
                        MnistDataHome.PATH, DatasetFetcher.create(FetchListener.NONE)))),
            new RemoteWorker.Settings(
                "pruning-remote", "test-host", 1, List.of("cpu"), workerHome));
    Thread running =
        Thread.ofPlatform()
            .name("remote-worker")
            .start(
                () -> {
                  try {
                    worker.run();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    try {
      long id = EmbeddedWorkerTest.submit(port, EmbeddedWorkerTest.PRUNED_AT_RUNG);

      Experiment done =
          Waiting.until(
              () -> experiments.find(id).orElseThrow(),
              e ->
                  e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED,
              Duration.ofMinutes(3),
              "experiment " + id + " finishing");

      assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
      EmbeddedWorkerTest.assertSecondTrialStoppedAtItsPruningEpoch(trials, events, id);
    } finally {
      running.interrupt();
      running.join(Duration.ofSeconds(30));
    }
  }
}
