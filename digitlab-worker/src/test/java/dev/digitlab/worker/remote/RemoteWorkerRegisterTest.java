package dev.digitlab.worker.remote;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker started against a server it cannot reach says so while it keeps trying: it printed its
 * "taking trials from URL" line and then nothing at all, however long the address was wrong.
 */
class RemoteWorkerRegisterTest {

  @TempDir Path home;

  @Test
  void a_server_that_does_not_answer_is_reported_while_the_worker_keeps_trying() throws Exception {
    // slf4j-simple writes to System.err as it is when a line is logged.
    ByteArrayOutputStream logged = new ByteArrayOutputStream();
    PrintStream systemErr = System.err;
    System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
    Thread worker;
    try {
      RemoteWorker remote =
          new RemoteWorker(
              new WorkerClient(URI.create("http://127.0.0.1:1"), null),
              null,
              new RemoteWorker.Settings("w1", "host", 1, List.of("cpu"), home));
      worker =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      remote.run();
                    } catch (InterruptedException e) {
                      Thread.currentThread().interrupt();
                    }
                  });
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (!logged.toString(StandardCharsets.UTF_8).contains("cannot register")
          && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      worker.interrupt();
      worker.join(5_000);
    } finally {
      System.setErr(systemErr);
    }

    assertThat(worker.isAlive()).isFalse();
    assertThat(logged.toString(StandardCharsets.UTF_8))
        .contains("cannot register with http://127.0.0.1:1")
        .contains("trying again")
        // The HTTP client's ConnectException has no message: it read "ConnectException null".
        .contains("connection refused")
        .doesNotContain("null");
  }
}
