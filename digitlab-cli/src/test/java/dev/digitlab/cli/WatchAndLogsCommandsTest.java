package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** watch and logs against a real server, and watch's reconnection against a flaky one. */
class WatchAndLogsCommandsTest extends ServerCommandTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    startServer();
  }

  @Test
  void watch_shows_progress_and_results_and_exits_0_when_the_experiment_succeeded()
      throws IOException {
    long experiment = submitOneTrial("watch-success");
    Lease lease = claim();
    EventStore events = server.getBean(EventStore.class);
    events.append(
        lease.trialId(),
        lease.attempt(),
        List.of(
            event(1, EventType.STATUS, "{\"status\":\"running\",\"reason\":\"\"}"),
            event(2, EventType.METRIC, metric("train_loss", 0.25)),
            event(
                3,
                EventType.PROGRESS,
                "{\"epoch\":1,\"epochs\":1,\"step\":10,\"steps\":10,\"fraction\":1.0,"
                    + "\"imagesPerSecond\":12345.0,\"etaSeconds\":0.0}"),
            event(4, EventType.METRIC, metric("test_accuracy", 0.97)),
            event(5, EventType.STATUS, "{\"status\":\"succeeded\",\"reason\":\"\"}")));
    server
        .getBean(TrialQueue.class)
        .complete(
            lease.trialId(),
            lease.leaseToken(),
            new TrialOutcome.Succeeded(0.97, 0.96, 0.96, 1.0, "{}"));

    int exit = run("watch", Long.toString(experiment));

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains(
            "trial "
                + lease.trialId()
                + "  epoch 1/1  [####################] 100%  12,345 img/s  loss 0.2500  ETA 0:00")
        .contains("trial " + lease.trialId() + "  succeeded  test_accuracy 0.9700")
        .contains("Experiment " + experiment + " succeeded: best trial " + lease.trialId())
        .doesNotContain("  step ");
  }

  /**
   * A program sends no progress events and names its metrics itself: watch showed only "running"
   * and "succeeded" for its trials. Now a line of its latest metrics whenever they change (the
   * objective first), and its figures when it succeeded, for the experiment and for the trial.
   */
  @Test
  void watch_shows_a_programs_metrics_live_and_its_figures_objective_first() throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(url + "/api/v1/experiments"))
                .header("Content-Type", "application/json")
                .POST(
                    BodyPublishers.ofString(
                        """
                        {"name": "watch-program", "priority": 100,
                         "command": ["python3", "train.py"],
                         "objective": {"metric": "mae", "goal": "min"}}
                        """))
                .build(),
            BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long experiment = Json.mapper().readTree(created.body()).path("id").asLong();
    Lease lease =
        server
            .getBean(TrialQueue.class)
            .claim("test", Set.of("cpu", "command"), Duration.ofMinutes(5))
            .orElseThrow();
    long trialId = lease.trialId();
    EventStore events = server.getBean(EventStore.class);
    events.append(
        trialId,
        lease.attempt(),
        List.of(
            event(1, EventType.STATUS, "{\"status\":\"running\",\"reason\":\"\"}"),
            event(2, EventType.METRIC, metric("rmse", 53.21, 0)),
            event(3, EventType.METRIC, metric("mae", 43.02, 0)),
            event(4, EventType.METRIC, metric("r2", 0.41, 0))));
    ExecutorService background = Executors.newSingleThreadExecutor();
    try {
      Future<Integer> watching = background.submit(() -> run("watch", Long.toString(experiment)));

      awaitLine("trial " + trialId + "  step 0  mae 43.0200  rmse 53.2100  r2 0.4100");
      events.append(
          trialId,
          lease.attempt(),
          List.of(
              event(5, EventType.METRIC, metric("rmse", 50.5, 1)),
              event(6, EventType.METRIC, metric("mae", 40.25, 1)),
              event(7, EventType.METRIC, metric("r2", 0.5, 1))));
      awaitLine("trial " + trialId + "  step 1  mae 40.2500  rmse 50.5000  r2 0.5000");
      events.append(
          trialId,
          lease.attempt(),
          List.of(event(8, EventType.STATUS, "{\"status\":\"succeeded\",\"reason\":\"\"}")));
      server
          .getBean(TrialQueue.class)
          .complete(
              trialId,
              lease.leaseToken(),
              new TrialOutcome.Succeeded(
                  null, null, 40.25, 1.0, "{\"rmse\":50.5,\"mae\":40.25,\"r2\":0.5}"));

      assertThat(watching.get(2, TimeUnit.MINUTES)).as(err.toString()).isZero();
    } finally {
      background.shutdownNow();
    }
    List<String> lines = out.toString().lines().toList();
    assertThat(lines)
        .contains(
            "trial " + trialId + "  succeeded  mae 40.2500  rmse 50.5000  r2 0.5000",
            "Experiment " + experiment + " succeeded: best trial " + trialId + ", mae 40.2500");
    // A line only when something changed: never the same one twice in a row.
    List<String> live = lines.stream().filter(line -> line.contains("  step ")).toList();
    for (int i = 1; i < live.size(); i++) {
      assertThat(live.get(i)).isNotEqualTo(live.get(i - 1));
    }

    out.getBuffer().setLength(0);
    assertThat(run("watch", "--trial", Long.toString(trialId))).as(err.toString()).isZero();
    assertThat(out.toString().lines())
        .contains("Trial " + trialId + " succeeded  mae 40.2500  rmse 50.5000  r2 0.5000");
  }

  @Test
  void watch_exits_1_when_the_experiment_was_cancelled() throws IOException {
    long experiment = submitOneTrial("watch-cancelled");
    assertThat(run("cancel", Long.toString(experiment))).isZero();
    out.getBuffer().setLength(0);

    int exit = run("watch", Long.toString(experiment));

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString()).contains("Experiment " + experiment + " cancelled");
  }

  @Test
  void logs_prints_the_trials_log_lines_in_order() throws IOException {
    submitOneTrial("logs");
    Lease lease = claim();
    server
        .getBean(EventStore.class)
        .append(
            lease.trialId(),
            lease.attempt(),
            List.of(
                event(1, EventType.LOG, "{\"level\":\"INFO\",\"message\":\"plan: 1 epoch\"}"),
                event(2, EventType.METRIC, metric("train_loss", 0.5)),
                event(3, EventType.LOG, "{\"level\":\"WARN\",\"message\":\"slow disk\"}")));

    int exit = run("logs", Long.toString(lease.trialId()));

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString().lines().toList())
        .hasSize(2)
        .satisfiesExactly(
            first -> assertThat(first).endsWith(" INFO  plan: 1 epoch"),
            second -> assertThat(second).endsWith(" WARN  slow disk"));
  }

  @Test
  void watch_reconnects_with_last_event_id_when_the_stream_drops_mid_way() throws IOException {
    List<String> lastEventIds = new CopyOnWriteArrayList<>();
    AtomicInteger connections = new AtomicInteger();
    HttpServer flaky = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    flaky.createContext(
        "/api/v1/trials/7",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          if (path.endsWith("/events")) {
            int connection = connections.incrementAndGet();
            lastEventIds.add(
                String.valueOf(exchange.getRequestHeaders().getFirst("Last-Event-ID")));
            exchange.getResponseHeaders().add("Content-Type", "text/event-stream");
            String body =
                connection == 1
                    ? sse(1, "metric", metric("train_loss", 0.9), 7)
                        + sse(2, "metric", metric("train_loss", 0.8), 7)
                    : sse(3, "status", "{\"status\":\"succeeded\",\"reason\":\"\"}", 7);
            reply(exchange, body);
          } else {
            // Running until the second connection was served: the first one ended early.
            String status = connections.get() >= 2 ? "succeeded" : "running";
            reply(exchange, "{\"id\":7,\"status\":\"" + status + "\"}");
          }
        });
    flaky.start();
    try {
      int exit =
          run(
              "watch",
              "--trial",
              "7",
              "--retry-delay",
              "PT0.01S",
              "--server",
              "http://127.0.0.1:" + flaky.getAddress().getPort());

      assertThat(exit).as(err.toString()).isZero();
      assertThat(lastEventIds).containsExactly("null", "2");
      assertThat(err.toString()).contains("the stream ended early; reconnecting after event 2");
      assertThat(out.toString().lines().filter(line -> line.contains("succeeded")))
          .containsExactly("trial 7  succeeded", "Trial 7 succeeded");
    } finally {
      flaky.stop(0);
    }
  }

  private static String sse(long id, String type, String payload, long trialId) {
    return "id:"
        + id
        + "\nevent:"
        + type
        + "\ndata:"
        + eventData(id, type, payload, trialId)
        + "\n\n";
  }

  /**
   * The data of one SSE message as the server's stream sends it (also {@link WatchBoardTest}'s).
   */
  static String eventData(long id, String type, String payload, long trialId) {
    return "{\"id\":"
        + id
        + ",\"trialId\":"
        + trialId
        + ",\"attempt\":1,\"seq\":"
        + id
        + ",\"type\":\""
        + type
        + "\",\"time\":\"2026-01-01T00:00:00Z\",\"payload\":"
        + payload
        + "}";
  }

  private static void reply(HttpExchange exchange, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(200, bytes.length);
    try (OutputStream stream = exchange.getResponseBody()) {
      stream.write(bytes);
    }
  }

  private long submitOneTrial(String name) throws IOException {
    Path file =
        Files.writeString(
            dir.resolve(name + ".yaml"),
            "name: " + name + "\npriority: 10\nconfig: {model: mlp, epochs: 1}\n");
    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    long id = Long.parseLong(out.toString().trim());
    out.getBuffer().setLength(0);
    return id;
  }

  private static Lease claim() {
    return server
        .getBean(TrialQueue.class)
        .claim("test", Set.of("cpu"), Duration.ofMinutes(5))
        .orElseThrow();
  }

  private static NewEvent event(long seq, EventType type, String payload) {
    return new NewEvent(seq, type, payload);
  }

  private static String metric(String key, double value) {
    return metric(key, value, 1);
  }

  private static String metric(String key, double value, long step) {
    return "{\"key\":\"" + key + "\",\"value\":" + value + ",\"step\":" + step + ",\"epoch\":1}";
  }

  /** Waits (a while, not a set time: the CLI runs in another thread) until out has the line. */
  private void awaitLine(String line) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!out.toString().lines().toList().contains(line) && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(out.toString().lines()).as(err.toString()).contains(line);
  }
}
