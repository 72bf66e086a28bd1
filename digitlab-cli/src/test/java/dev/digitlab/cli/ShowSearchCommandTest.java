package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.EventBatch;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.worker.remote.WorkerClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code digitlab show} on a TPE + ASHA search (issue 18): the trial ASHA stopped is listed as
 * pruned, and the BEST_SO_FAR column follows the trials in order. A real server; its trials are run
 * by this test through the worker protocol's own client, so which one is pruned is decided by the
 * values reported, not by training. Also: the CONFIG column writes numbers as the web pages do.
 */
class ShowSearchCommandTest extends ServerCommandTest {

  private static final Duration POLL = Duration.ofMillis(300);

  @BeforeAll
  static void start() {
    startServer();
  }

  @Test
  void show_lists_the_pruned_trial_and_the_best_so_far_in_trial_order() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("search.yaml"),
            """
            name: tpe-asha
            config: {model: mlp, epochs: 4, validationRatio: 0.1}
            objective: {metric: test_accuracy}
            maxParallelTrials: 3
            search:
              type: tpe
              maxTrials: 4
              parallelism: 3
              seed: 7
              parameters:
                learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
            pruner: {type: asha, metric: val_accuracy, minEpochs: 1, reductionFactor: 3}
            """);
    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    String id = out.toString().trim();

    WorkerClient worker = new WorkerClient(URI.create(url), null);
    worker.register(new WorkerRegistration("w", "test-host", 3, List.of("cpu")));
    LeaseGrant first = worker.lease("w", POLL).orElseThrow();
    LeaseGrant second = worker.lease("w", POLL).orElseThrow();
    LeaseGrant third = worker.lease("w", POLL).orElseThrow();
    // Queued trials are claimed in order: these are #0, #1 and #2.
    assertThat(List.of(first.trialId(), second.trialId(), third.trialId())).isSorted();

    // Epoch 1 is ASHA's first rung: #0 is alone there and goes on; #1, worse, is stopped.
    reportValAccuracy(worker, first, 0.90);
    reportValAccuracy(worker, second, 0.80);
    assertThat(heartbeat(worker, first)).isFalse();
    assertThat(heartbeat(worker, second)).isTrue();
    worker.complete(second.trialId(), ended(second, Completion.CANCELLED, Map.of()));
    worker.complete(
        first.trialId(), ended(first, Completion.SUCCEEDED, Map.of("test_accuracy", 0.91)));
    worker.complete(
        third.trialId(), ended(third, Completion.SUCCEEDED, Map.of("test_accuracy", 0.95)));
    // The pruned trial's place in the budget went to a fourth suggestion, #3.
    LeaseGrant fourth = worker.lease("w", POLL).orElseThrow();
    worker.complete(
        fourth.trialId(), ended(fourth, Completion.SUCCEEDED, Map.of("test_accuracy", 0.93)));

    out.getBuffer().setLength(0);
    assertThat(run("show", id)).as(err.toString()).isZero();
    String shown = out.toString();
    assertThat(shown).contains("status     succeeded").contains("best 0.95");
    assertThat(row(shown, first)).matches(first.trialId() + " +0 +succeeded .* 0\\.9100 .*");
    assertThat(row(shown, second)).matches(second.trialId() + " +1 +pruned .* 0\\.9100 .*");
    assertThat(row(shown, third)).matches(third.trialId() + " +2 +succeeded .* 0\\.9500 .*");
    assertThat(row(shown, fourth)).matches(fourth.trialId() + " +3 +succeeded .* 0\\.9500 .*");
    assertThat(shown).contains("pruned     1 trial(s) stopped early: #1");
  }

  @Test
  void show_writes_config_values_as_the_web_pages_do() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("grid.yaml"),
            """
            name: grid-of-small-rates
            config: {model: mlp, epochs: 1}
            search:
              type: grid
              parameters:
                learningRate: [8.075315011871413e-4, 1.0e-5]
                batchSize: [64]
            """);
    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    String id = out.toString().trim();
    try {
      out.getBuffer().setLength(0);
      assertThat(run("show", id)).as(err.toString()).isZero();
      String shown = out.toString();
      // As Figures.value writes them on the experiment page: six significant digits, else 1e-5.
      assertThat(shown)
          .contains("learningRate=0.000807532 batchSize=64")
          .contains("learningRate=1e-5 batchSize=64")
          .doesNotContain("E-4")
          .doesNotContain("E-5");
    } finally {
      // Its queued trials must not be leased by the other test's worker.
      assertThat(run("cancel", id)).as(err.toString()).isZero();
    }
  }

  private static void reportValAccuracy(WorkerClient worker, LeaseGrant lease, double value) {
    worker.events(
        lease.trialId(),
        new EventBatch(
            lease.leaseToken(),
            lease.attempt(),
            List.of(
                TrialEvent.of(
                    lease.firstSeq(),
                    Instant.now(),
                    new MetricPoint("val_accuracy", value, 100, 1)))));
  }

  private static boolean heartbeat(WorkerClient worker, LeaseGrant lease) {
    return worker
        .heartbeat(lease.trialId(), new LeaseHeartbeat(lease.leaseToken(), "w", 1))
        .cancelRequested();
  }

  private static Completion ended(LeaseGrant lease, String status, Map<String, Double> metrics) {
    return new Completion(lease.leaseToken(), status, null, null, false, 1.0, metrics);
  }

  /** The table row of the trial (rows start with the trial's id). */
  private static String row(String shown, LeaseGrant lease) {
    return shown
        .lines()
        .filter(line -> line.startsWith(lease.trialId() + " "))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no row for trial " + lease.trialId() + ":\n" + shown));
  }
}
