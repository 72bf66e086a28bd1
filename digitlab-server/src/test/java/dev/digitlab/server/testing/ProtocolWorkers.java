package dev.digitlab.server.testing;

import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.worker.remote.WorkerClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * The worker side of a test of the worker protocol: the real {@link WorkerClient} over HTTP against
 * the test class's own server, which runs no embedded worker (so only the test takes its trials)
 * and answers a lease request that finds nothing after {@link #POLL}.
 */
public final class ProtocolWorkers {

  /** How long the server holds a lease request that finds nothing. */
  public static final Duration POLL = Duration.ofMillis(300);

  private ProtocolWorkers() {}

  /** The server's settings: its data home, no embedded worker slots, the short long-poll. */
  public static void serverSettings(DynamicPropertyRegistry properties, Path home) {
    properties.add("digitlab.home", home::toString);
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.worker.long-poll", () -> POLL.toMillis() + "ms");
  }

  /** A client of the server on {@code port}, without a token. */
  public static WorkerClient client(int port) {
    return new WorkerClient(URI.create("http://127.0.0.1:" + port), null);
  }

  /**
   * Registers worker {@code name} (one slot, {@code capabilities}) and takes a lease, waiting up to
   * 5 s for one.
   *
   * @throws AssertionError if nothing was granted
   */
  public static LeaseGrant registerAndLease(
      WorkerClient client, String name, List<String> capabilities) {
    client.register(new WorkerRegistration(name, "test-host", 1, capabilities));
    return client
        .lease(name, Duration.ofSeconds(5))
        .orElseThrow(() -> new AssertionError("no lease for worker " + name));
  }

  /**
   * Cancels the experiments through the server's API on {@code port}, so that the next test leases
   * from an empty queue.
   */
  public static void cancelExperiments(int port, List<Long> ids) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (long id : ids) {
      http.send(
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + port + "/api/v1/experiments/" + id + "/cancel"))
              .header("Accept", "application/json")
              .POST(HttpRequest.BodyPublishers.noBody())
              .build(),
          HttpResponse.BodyHandlers.discarding());
    }
  }
}
