package dev.digitlab.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Event streams (SSE) and batch ingestion over real HTTP, on an H2 file, without a worker. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class EventApiTest {

  private static final int MAX_BATCH = 20;
  private static final int MAX_STREAMS = 3;

  /** Generous: only there so that a broken stream fails the test instead of hanging it. */
  private static final long WAIT_SECONDS = 30;

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.events.max-batch", () -> Integer.toString(MAX_BATCH));
    properties.add("digitlab.events.max-streams-per-caller", () -> Integer.toString(MAX_STREAMS));
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  @Autowired EventStore events;
  @Autowired TrialQueue queue;

  @Test
  void a_client_that_reconnects_with_last_event_id_gets_every_event_exactly_once()
      throws Exception {
    // Ahead of other tests' queued trials, so that the claim below takes this one.
    long experimentId = submit("sse-resume\npriority: 100", 1);
    long trialId = trialIds(experimentId).getFirst();
    Lease lease = queue.claim("test", Set.of("cpu"), Duration.ofMinutes(5)).orElseThrow();
    assertThat(lease.trialId()).isEqualTo(trialId);
    assertThat(ingest(trialId, 1, LongStream.rangeClosed(1, 3)).statusCode()).isEqualTo(200);

    List<SseMessage> received = new ArrayList<>();
    try (SseClient first = SseClient.connect(http, uri("/api/v1/trials/" + trialId + "/events"))) {
      received.addAll(first.take(3)); // history
      events.append(trialId, 1, metrics(LongStream.rangeClosed(4, 6)));
      received.addAll(first.take(3)); // live
    }
    // Disconnected: these are stored while nobody listens.
    events.append(trialId, 1, metrics(LongStream.rangeClosed(7, 9)));

    String lastEventId = received.getLast().id();
    try (SseClient second =
        SseClient.connect(
            http, uri("/api/v1/trials/" + trialId + "/events"), "Last-Event-ID", lastEventId)) {
      received.addAll(second.take(3));
      events.append(
          trialId,
          1,
          List.of(
              new NewEvent(10, EventType.STATUS, "{\"status\":\"succeeded\",\"reason\":\"\"}")));
      queue.complete(
          trialId, lease.leaseToken(), new TrialOutcome.Succeeded(0.9, 0.9, 0.9, 1.0, "{}"));
      received.addAll(second.rest());
      assertThat(second.ended()).as("the stream completes after the terminal status").isTrue();
    }

    assertThat(received)
        .extracting(SseMessage::seq)
        .containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
    List<Long> storedIds = events.after(trialId, 0, 100).stream().map(TrialEvent::id).toList();
    assertThat(received)
        .extracting(m -> Long.parseLong(m.id()))
        .containsExactlyElementsOf(storedIds);
    assertThat(received.getLast().event()).isEqualTo("status");
    JsonNode data = json.readTree(received.getFirst().data());
    assertThat(data.get("trialId").asLong()).isEqualTo(trialId);
    assertThat(data.get("attempt").asInt()).isEqualTo(1);
    assertThat(data.get("type").asString()).isEqualTo("metric");
    assertThat(data.get("time").asString()).isNotBlank();
    assertThat(data.get("payload").get("key").asString()).isEqualTo("train_loss");
  }

  /**
   * EventSource polyfills (and some proxies reconnecting) send the last event id as the query
   * parameter {@code lastEventId} instead of the {@code Last-Event-ID} header: the stream resumes
   * after it, as after the header; the header wins over it, and it over {@code after}.
   */
  @Test
  void a_client_that_resumes_with_the_last_event_id_as_a_query_parameter_gets_the_events_after_it()
      throws Exception {
    long experimentId = submit("sse-resume-query", 1);
    long trialId = trialIds(experimentId).getFirst();
    events.append(trialId, 1, metrics(LongStream.rangeClosed(1, 5)));
    List<Long> ids = events.after(trialId, 0, 100).stream().map(TrialEvent::id).toList();
    assertThat(ids).hasSize(5);

    try (SseClient trialStream =
            SseClient.connect(
                http, uri("/api/v1/trials/" + trialId + "/events?lastEventId=" + ids.get(2)));
        SseClient experimentStream =
            SseClient.connect(
                http,
                uri(
                    "/api/v1/experiments/"
                        + experimentId
                        + "/events?lastEventId="
                        + ids.get(0)
                        + "&after=0"),
                "Last-Event-ID",
                Long.toString(ids.get(3)))) {
      assertThat(trialStream.take(2)).extracting(SseMessage::seq).containsExactly(4L, 5L);
      assertThat(experimentStream.take(1)).extracting(SseMessage::seq).containsExactly(5L);
      // nothing else: once the trial stops, both streams end without another event
      HttpResponse<String> cancel = post("/api/v1/experiments/" + experimentId + "/cancel", "");
      assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(200);
      assertThat(trialStream.rest()).isEmpty();
      assertThat(trialStream.ended()).isTrue();
      assertThat(experimentStream.rest()).isEmpty();
      assertThat(experimentStream.ended()).isTrue();
    }
    try (SseClient afterOnly =
        SseClient.connect(
            http,
            uri("/api/v1/trials/" + trialId + "/events?after=" + ids.get(3) + "&lastEventId="))) {
      assertThat(afterOnly.rest()).extracting(SseMessage::seq).containsExactly(5L);
    }

    HttpResponse<String> bad =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/" + trialId + "/events?lastEventId=five"))
                .header("Accept", "text/event-stream")
                .build(),
            BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("lastEventId");
  }

  @Test
  void an_experiment_stream_merges_its_trials_and_ends_when_all_have_stopped() throws Exception {
    long experimentId = submit("sse-experiment", 2);
    List<Long> trials = trialIds(experimentId);
    events.append(trials.get(0), 1, metrics(LongStream.of(1)));
    events.append(trials.get(1), 1, metrics(LongStream.of(1)));

    try (SseClient client =
        SseClient.connect(http, uri("/api/v1/experiments/" + experimentId + "/events?after=0"))) {
      List<SseMessage> history = client.take(2);
      assertThat(history)
          .extracting(m -> json.readTree(m.data()).get("trialId").asLong())
          .containsExactly(trials.get(0), trials.get(1));
      events.append(trials.get(1), 1, metrics(LongStream.of(2)));
      assertThat(client.take(1)).extracting(SseMessage::seq).containsExactly(2L);

      HttpResponse<String> cancel =
          http.send(
              HttpRequest.newBuilder(uri("/api/v1/experiments/" + experimentId + "/cancel"))
                  .POST(BodyPublishers.noBody())
                  .build(),
              BodyHandlers.ofString());
      assertThat(cancel.statusCode()).isEqualTo(200);
      assertThat(client.rest()).isEmpty();
      assertThat(client.ended()).isTrue();
    }
  }

  @Test
  void the_same_batch_posted_twice_is_stored_once() throws Exception {
    long trialId = trialIds(submit("ingest-twice", 1)).getFirst();

    HttpResponse<String> first = ingest(trialId, 1, LongStream.rangeClosed(1, 5));
    HttpResponse<String> second = ingest(trialId, 1, LongStream.rangeClosed(1, 5));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(json.readTree(first.body()).get("stored").asInt()).isEqualTo(5);
    assertThat(json.readTree(first.body()).get("duplicates").asInt()).isZero();
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(json.readTree(second.body()).get("stored").asInt()).isZero();
    assertThat(json.readTree(second.body()).get("duplicates").asInt()).isEqualTo(5);
    assertThat(events.after(trialId, 0, 100)).hasSize(5);
  }

  @Test
  void stored_events_are_counted_by_type_for_prometheus() throws Exception {
    long trialId = trialIds(submit("ingest-counted", 1)).getFirst();
    ingest(trialId, 1, LongStream.rangeClosed(1, 2));

    HttpResponse<String> scrape =
        http.send(
            HttpRequest.newBuilder(uri("/actuator/prometheus")).build(), BodyHandlers.ofString());

    assertThat(scrape.body())
        .containsPattern("digitlab_events_ingested_total\\{.*type=\"metric\".*\\} [1-9]")
        .contains("digitlab_events_ingested_total{type=\"log\"}");
  }

  @Test
  void the_history_is_paged_as_json_and_filtered_by_type() throws Exception {
    long trialId = trialIds(submit("history-pages", 1)).getFirst();
    ingest(trialId, 1, LongStream.rangeClosed(1, 3));
    events.append(
        trialId,
        1,
        List.of(new NewEvent(4, EventType.LOG, "{\"level\":\"INFO\",\"message\":\"hello\"}")));

    JsonNode first = getJson("/api/v1/trials/" + trialId + "/events?limit=2");
    JsonNode second =
        getJson("/api/v1/trials/" + trialId + "/events?limit=2&after=" + first.get("next"));
    JsonNode logs = getJson("/api/v1/trials/" + trialId + "/events?type=log");

    assertThat(first.get("items")).extracting(e -> e.get("seq").asLong()).containsExactly(1L, 2L);
    assertThat(second.get("items")).extracting(e -> e.get("seq").asLong()).containsExactly(3L, 4L);
    assertThat(logs.get("items")).hasSize(1);
    assertThat(logs.get("items").get(0).get("payload").get("message").asString())
        .isEqualTo("hello");
  }

  @Test
  void a_batch_over_the_limit_is_refused_and_nothing_is_stored() throws Exception {
    long trialId = trialIds(submit("ingest-too-many", 1)).getFirst();

    HttpResponse<String> response = ingest(trialId, 1, LongStream.rangeClosed(1, MAX_BATCH + 1));

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(json.readTree(response.body()).get("detail").asString())
        .contains("at most " + MAX_BATCH + " events");
    assertThat(events.after(trialId, 0, 100)).isEmpty();
  }

  @Test
  void a_batch_with_an_invalid_event_names_it_and_stores_nothing() throws Exception {
    long trialId = trialIds(submit("ingest-invalid", 1)).getFirst();
    String body =
        "{\"attempt\": 1, \"events\": ["
            + metricJson(1)
            + ", {\"seq\": 2, \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"metric\","
            + " \"payload\": {\"key\": \"Bad Key\", \"value\": 1, \"step\": 1, \"epoch\": 1}}]}";

    HttpResponse<String> response = post("/api/v1/trials/" + trialId + "/events", body);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("errors").get(0).get("path").asString()).isEqualTo("events[1]");
    assertThat(events.after(trialId, 0, 100)).isEmpty();
  }

  /**
   * Without authentication every request used to count as the one caller "local" for the stream
   * cap: whoever opened {@code max-streams-per-caller} streams (a script, or that many open pages
   * across an office) refused live updates to every other viewer of the server. Now a client
   * without a token is counted by its address: 127.0.0.2 still gets a stream while 127.0.0.1 holds
   * all of its own.
   */
  @Test
  void without_tokens_each_client_address_has_its_own_streams() throws Exception {
    long experimentId = submit("sse-cap", 1); // queued: its stream stays open
    // An event to send at once: a stream with nothing to send answers only at its first keep-alive.
    events.append(trialIds(experimentId).getFirst(), 1, metrics(LongStream.of(1)));
    URI stream = uri("/api/v1/experiments/" + experimentId + "/events");
    HttpClient other =
        HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.2")).build();
    List<InputStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < MAX_STREAMS; i++) {
        HttpResponse<InputStream> held = openStream(http, stream);
        open.add(held.body());
        assertThat(held.statusCode()).as("stream " + (i + 1)).isEqualTo(200);
      }
      HttpResponse<InputStream> refused = openStream(http, stream);
      open.add(refused.body());
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(new String(refused.body().readAllBytes(), StandardCharsets.UTF_8))
          .contains("local@127.0.0.1")
          .contains("digitlab.events.max-streams-per-caller");

      HttpResponse<InputStream> elsewhere = openStream(other, stream);
      open.add(elsewhere.body());
      assertThat(elsewhere.statusCode()).isEqualTo(200);
    } finally {
      for (InputStream body : open) {
        body.close();
      }
      other.shutdownNow(); // close() would wait for the server to end the stream
    }
  }

  private static HttpResponse<InputStream> openStream(HttpClient client, URI uri) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").build(),
        BodyHandlers.ofInputStream());
  }

  /**
   * A stream with nothing to send yet answered only with its first keep-alive, 15 s after it was
   * opened: until then not even its headers were sent, so a client could not tell a live stream
   * from a dead server. Now it answers at once; the request's 5 s timeout (for the headers) failed
   * before.
   */
  @Test
  void a_stream_with_nothing_to_send_yet_answers_at_once() throws Exception {
    long experimentId = submit("sse-quiet", 1); // queued, no events
    // An address of its own: streams another test closed count against theirs until the server
    // notices at its next send.
    HttpClient quiet =
        HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0.3")).build();
    HttpResponse<InputStream> stream =
        quiet.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments/" + experimentId + "/events"))
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofSeconds(5))
                .build(),
            BodyHandlers.ofInputStream());
    try {
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(stream.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/event-stream");
    } finally {
      stream.body().close();
      quiet.shutdownNow();
    }
  }

  @Test
  void streams_and_ingestion_of_unknown_ids_are_404() throws Exception {
    assertThat(getStatus("/api/v1/trials/987654/events")).isEqualTo(404);
    assertThat(getStatus("/api/v1/experiments/987654/events")).isEqualTo(404);
    assertThat(ingest(987654, 1, LongStream.of(1)).statusCode()).isEqualTo(404);
  }

  private long submit(String name, int trials) throws Exception {
    String batchSizes =
        LongStream.rangeClosed(1, trials)
            .mapToObj(n -> Long.toString(16 * n))
            .collect(Collectors.joining(", "));
    String file =
        "name: "
            + name
            + "\nconfig: {model: mlp, epochs: 1}\nsearch: {type: grid, parameters: {batchSize: ["
            + batchSizes
            + "]}}\n";
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(file))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return json.readTree(response.body()).get("id").asLong();
  }

  private List<Long> trialIds(long experimentId) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments/" + experimentId)).build(),
            BodyHandlers.ofString());
    List<Long> ids = new ArrayList<>();
    json.readTree(response.body()).get("trials").forEach(t -> ids.add(t.get("id").asLong()));
    return ids;
  }

  private HttpResponse<String> ingest(long trialId, int attempt, LongStream seqs) throws Exception {
    String body =
        "{\"attempt\": "
            + attempt
            + ", \"events\": ["
            + seqs.mapToObj(EventApiTest::metricJson).collect(Collectors.joining(","))
            + "]}";
    return post("/api/v1/trials/" + trialId + "/events", body);
  }

  private HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri(path)).header("Accept", "application/json").build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  private int getStatus(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(uri(path)).header("Accept", "text/event-stream").build(),
            BodyHandlers.ofString())
        .statusCode();
  }

  private static String metricJson(long seq) {
    return "{\"seq\": "
        + seq
        + ", \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"metric\", \"payload\": {\"key\":"
        + " \"train_loss\", \"value\": 0.5, \"step\": "
        + seq
        + ", \"epoch\": 1}}";
  }

  private static List<NewEvent> metrics(LongStream seqs) {
    return seqs.mapToObj(
            seq ->
                new NewEvent(
                    seq,
                    EventType.METRIC,
                    "{\"key\":\"train_loss\",\"value\":0.5,\"step\":" + seq + ",\"epoch\":1}"))
        .toList();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** One SSE message. */
  record SseMessage(String id, String event, String data) {
    long seq() {
      return Json.mapper().readTree(data).get("seq").asLong();
    }
  }

  /** A real SSE client: reads the response line by line on its own thread. */
  static final class SseClient implements AutoCloseable {

    private static final SseMessage END = new SseMessage("", "", "");

    private final BlockingQueue<SseMessage> messages = new LinkedBlockingQueue<>();
    private final Stream<String> lines;
    private volatile boolean ended;

    private SseClient(Stream<String> lines) {
      this.lines = lines;
      Thread.ofVirtual().start(this::read);
    }

    static SseClient connect(HttpClient http, URI uri, String... headers) throws Exception {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri).header("Accept", "text/event-stream");
      if (headers.length > 0) {
        request.headers(headers);
      }
      HttpResponse<Stream<String>> response = http.send(request.build(), BodyHandlers.ofLines());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/event-stream"));
      return new SseClient(response.body());
    }

    private void read() {
      String id = null;
      String event = null;
      StringBuilder data = new StringBuilder();
      try {
        for (String line : (Iterable<String>) lines::iterator) {
          if (line.isEmpty()) {
            if (!data.isEmpty()) {
              messages.add(new SseMessage(id, event, data.toString()));
            }
            id = null;
            event = null;
            data.setLength(0);
          } else if (line.startsWith("id:")) {
            id = line.substring(3).strip();
          } else if (line.startsWith("event:")) {
            event = line.substring(6).strip();
          } else if (line.startsWith("data:")) {
            data.append(line.substring(5).strip());
          }
        }
        ended = true;
      } catch (RuntimeException closedByUs) {
        // close() cancelled the response.
      } finally {
        messages.add(END);
      }
    }

    /** The next {@code n} messages. */
    List<SseMessage> take(int n) throws InterruptedException {
      List<SseMessage> taken = new ArrayList<>();
      while (taken.size() < n) {
        SseMessage message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(message)
            .as("message %d of %d", taken.size() + 1, n)
            .isNotNull()
            .isNotEqualTo(END);
        taken.add(message);
      }
      return taken;
    }

    /** Every message until the server ends the stream. */
    List<SseMessage> rest() throws InterruptedException {
      List<SseMessage> taken = new ArrayList<>();
      while (true) {
        SseMessage message = messages.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(message).as("the stream's end").isNotNull();
        if (message == END) {
          return taken;
        }
        taken.add(message);
      }
    }

    boolean ended() {
      return ended;
    }

    @Override
    public void close() {
      lines.close();
    }
  }
}
