package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.worker.remote.WorkerClient;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code digitlab cancel ID} on an experiment whose trials run: a running trial is only asked to
 * stop, at its worker's next heartbeat, and may finish before that; the command says so rather than
 * that it stopped, and with {@code --wait} says how each one ended. The trials are run by this test
 * through the worker protocol's own client, so which one finishes first is decided here.
 */
class CancelCommandTest extends ServerCommandTest {

  private static final Duration POLL = Duration.ofMillis(300);

  @BeforeAll
  static void start() {
    startServer();
  }

  @Test
  void cancel_says_running_trials_are_asked_to_stop_and_wait_tells_how_each_ended()
      throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("two.yaml"),
            """
            name: two-running
            config: {model: mlp, epochs: 1}
            maxParallelTrials: 2
            search: {type: grid, parameters: {learningRate: [0.1, 0.01]}}
            """);
    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    String id = out.toString().trim();
    WorkerClient worker = new WorkerClient(URI.create(url), null);
    worker.register(new WorkerRegistration("w", "test-host", 2, List.of("cpu")));
    LeaseGrant finishing = worker.lease("w", POLL).orElseThrow();
    LeaseGrant stopping = worker.lease("w", POLL).orElseThrow();

    out.getBuffer().setLength(0);
    assertThat(run("cancel", id)).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("0 trial(s) cancelled")
        .contains(
            "2 running trial(s): cancel requested; each stops at its worker's next heartbeat,"
                + " unless it finishes first")
        .doesNotContain("asked to stop.");

    // With --wait: one trial ends succeeded before its worker looks at the request, the other
    // stops as cancelled when its heartbeat tells it to.
    out.getBuffer().setLength(0);
    CompletableFuture<Integer> waiting =
        CompletableFuture.supplyAsync(() -> run("cancel", id, "--wait"));
    while (!out.toString().contains("Waiting for")) {
      assertThat(waiting).as(err.toString()).isNotDone();
      Thread.sleep(50);
    }
    worker.complete(
        finishing.trialId(), ended(finishing, Completion.SUCCEEDED, Map.of("test_accuracy", 0.9)));
    assertThat(
            worker
                .heartbeat(stopping.trialId(), new LeaseHeartbeat(stopping.leaseToken(), "w", 1))
                .cancelRequested())
        .isTrue();
    worker.complete(stopping.trialId(), ended(stopping, Completion.CANCELLED, Map.of()));

    assertThat(waiting.get()).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains(
            "Trial "
                + finishing.trialId()
                + " succeeded: it finished before its worker saw the cancel.")
        .contains("Trial " + stopping.trialId() + " cancelled.");
  }

  private static Completion ended(LeaseGrant lease, String status, Map<String, Double> metrics) {
    return new Completion(lease.leaseToken(), status, null, null, false, 1.0, metrics);
  }
}
