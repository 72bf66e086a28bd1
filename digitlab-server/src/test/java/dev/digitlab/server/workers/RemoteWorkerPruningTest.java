package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.protocol.worker.WorkerProtocol;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpClient.Version;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
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
 * time. And without a pruner, the epoch's end does not wait for that answer at all. Real training
 * on a small MNIST subset; skipped when MNIST is not fetched.
 *
 * <p>The worker waits {@link #WORKER_EVENTS_TIMEOUT} for the answer to its events (its {@code
 * --events-timeout}), longer than the proxy ever holds a call ({@link #PROXY_HOLD}), so a held call
 * is answered by the proxy, never given up by the worker; and the proxy holds longer than a loaded
 * machine takes to train the no-pruner run, which made this test depend on load while the worker's
 * 30 s wait bounded the hold at 25 s.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RemoteWorkerPruningTest {

  @TempDir static Path home;
  @TempDir static Path workerHome;

  /** The longest the proxy holds an events call, and then the test's wait for the completion. */
  static final Duration PROXY_HOLD = Duration.ofMinutes(4);

  static final Duration WORKER_EVENTS_TIMEOUT = PROXY_HOLD.plusMinutes(2);

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

  // One worker for the class, through the proxy: a second worker's lease request still waiting in
  // the server when its test ended would take the next test's trial and hold it for the lease.
  private static HoldingProxy proxy;
  private static Thread worker;

  @BeforeEach
  void startWorker() throws IOException {
    if (worker == null) {
      proxy = new HoldingProxy(URI.create("http://127.0.0.1:" + port));
      worker = startWorker(proxy.uri(), "pruning-remote");
    }
  }

  @AfterAll
  static void stopWorker() throws InterruptedException {
    if (worker != null) {
      worker.interrupt();
      worker.join(Duration.ofSeconds(30));
    }
    if (proxy != null) {
      proxy.close();
    }
  }

  @Test
  void a_remote_trial_pruned_at_an_epoch_records_no_metric_of_a_later_epoch() throws Exception {
    long id = EmbeddedWorkerTest.submit(port, EmbeddedWorkerTest.PRUNED_AT_RUNG);

    Experiment done = awaitFinished(id);

    assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    EmbeddedWorkerTest.assertSecondTrialStoppedAtItsPruningEpoch(trials, events, id);
  }

  /** Three short epochs and no pruner: nothing the server answers to its events can stop it. */
  static final String NO_PRUNER =
      """
      name: no-pruner
      config: {model: mlp, epochs: 3, seed: 1, hiddenSizes: [32], trainSubset: 1000}
      """;

  @Test
  void without_a_pruner_a_remote_epoch_end_does_not_wait_for_the_answer_to_its_events()
      throws Exception {
    // The proxy holds every events call until the attempt's completion is in the worker's outbox
    // (or PROXY_HOLD, under the worker's events timeout, then forwards it). Waiting for the answer
    // at epoch 1's end, the run could not reach its completion before an events call was
    // answered; without the wait it trains its three epochs while the first call is still held.
    proxy.hold();
    try {
      long id = EmbeddedWorkerTest.submit(port, NO_PRUNER);
      long trialId = trials.listByExperiment(id).getFirst().id();
      Path outbox = workerHome.resolve(trialId + "-1").resolve("outbox");
      Waiting.until(
          () -> completionIn(outbox),
          written -> written,
          // Longer than the proxy's hold: a run that waits for its answer gets one (and fails
          // below) instead of timing out here.
          PROXY_HOLD.plusMinutes(1),
          "the completion of trial " + trialId + " in the worker's outbox");
      int answeredBeforeCompletion = proxy.answeredEvents();
      int held = proxy.heldEvents();
      proxy.release();

      Experiment done = awaitFinished(id);

      assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
      assertThat(EmbeddedWorkerTest.metricEpochs(events, trialId)).containsExactly(1, 2, 3);
      assertThat(held).as("events calls the proxy held").isPositive();
      assertThat(answeredBeforeCompletion)
          .as("events calls answered before the run's completion was written")
          .isZero();
    } finally {
      proxy.release();
    }
  }

  private static Thread startWorker(URI server, String name) {
    RemoteWorker worker =
        new RemoteWorker(
            new WorkerClient(server, null, WORKER_EVENTS_TIMEOUT),
            new TrialRunner(
                DatasetSource.of(
                    new DatasetStore(
                        MnistDataHome.PATH, DatasetFetcher.create(FetchListener.NONE)))),
            new RemoteWorker.Settings(name, "test-host", 1, List.of("cpu"), workerHome));
    return Thread.ofPlatform()
        .name("remote-worker-" + name)
        .start(
            () -> {
              try {
                worker.run();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
  }

  private Experiment awaitFinished(long id) throws InterruptedException {
    return Waiting.until(
        () -> experiments.find(id).orElseThrow(),
        e -> e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED,
        Duration.ofMinutes(3),
        "experiment " + id + " finishing");
  }

  /** Whether the outbox holds the attempt's completion, which waits behind its event batches. */
  private static boolean completionIn(Path outbox) {
    if (!Files.isDirectory(outbox)) {
      return false;
    }
    try (Stream<Path> files = Files.list(outbox)) {
      return files.anyMatch(f -> f.getFileName().toString().endsWith("-complete.json"));
    } catch (IOException | UncheckedIOException e) {
      return false; // the attempt's folder went away while listed
    }
  }

  /**
   * Forwards the worker protocol to the server; between {@link #hold} and {@link #release} it holds
   * each events call until released (or {@link #PROXY_HOLD}), counting the calls it held and those
   * it answered.
   */
  private static final class HoldingProxy implements AutoCloseable {

    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().version(Version.HTTP_1_1).build();
    private final URI target;
    private volatile boolean holding;
    private final AtomicInteger held = new AtomicInteger();
    private final AtomicInteger answered = new AtomicInteger();

    HoldingProxy(URI target) throws IOException {
      this.target = target;
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.createContext("/", this::forward);
      server.start();
    }

    /** From now on, holds events calls (counted from zero). */
    void hold() {
      held.set(0);
      answered.set(0);
      holding = true;
    }

    /** Lets the held calls and later ones through. */
    void release() {
      holding = false;
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    int heldEvents() {
      return held.get();
    }

    int answeredEvents() {
      return answered.get();
    }

    private void forward(HttpExchange exchange) throws IOException {
      try (exchange) {
        boolean eventsCall = holding && exchange.getRequestURI().getPath().endsWith("/events");
        if (eventsCall) {
          held.incrementAndGet();
          long deadline = System.nanoTime() + PROXY_HOLD.toNanos();
          while (holding && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
        }
        HttpRequest.Builder request =
            HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                .method(
                    exchange.getRequestMethod(),
                    BodyPublishers.ofByteArray(exchange.getRequestBody().readAllBytes()));
        exchange
            .getRequestHeaders()
            .forEach(
                (name, values) -> {
                  if (FORWARDED.contains(name.toLowerCase(Locale.ROOT))) {
                    values.forEach(value -> request.header(name, value));
                  }
                });
        HttpResponse<byte[]> response = http.send(request.build(), BodyHandlers.ofByteArray());
        response
            .headers()
            .firstValue("Content-Type")
            .ifPresent(type -> exchange.getResponseHeaders().add("Content-Type", type));
        byte[] body = response.body();
        if (eventsCall) {
          answered.incrementAndGet(); // before the worker can read the answer
        }
        exchange.sendResponseHeaders(response.statusCode(), body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
          exchange.getResponseBody().write(body);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private static final Set<String> FORWARDED =
        Set.of(
            "content-type",
            "accept",
            "authorization",
            WorkerProtocol.LEASE_TOKEN_HEADER.toLowerCase(Locale.ROOT));

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
