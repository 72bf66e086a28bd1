package dev.digitlab.worker.remote;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.StatusChange;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.DatasetTask;
import dev.digitlab.protocol.worker.EventBatch;
import dev.digitlab.protocol.worker.EventsAnswer;
import dev.digitlab.protocol.worker.HeartbeatAnswer;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.protocol.worker.LeaseHeartbeat;
import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.protocol.worker.WorkerRegistration;
import dev.digitlab.protocol.worker.WorkerTerms;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * What the worker reads from the server, over real HTTP (the JDK's server answers canned bodies): a
 * newer server's fields are ignored, a field the worker needs is not. And the events timeout is a
 * setting with a default.
 */
class WorkerClientTest {

  private static final LeaseGrant GRANT =
      new LeaseGrant(
          7,
          3,
          2,
          UUID.fromString("00000000-0000-0000-0000-00000000abcd"),
          30_000,
          "{\"model\":\"mlp\",\"epochs\":1}",
          "val_accuracy",
          41,
          1,
          null,
          new DatasetTask("letters", "ab".repeat(32), List.of("cd".repeat(32)), 10),
          true);

  private final Map<String, String> answers = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private HttpServer server;
  private WorkerClient client;

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String call =
                exchange.getRequestURI().getPath().substring(WorkerProtocol.BASE.length());
            calls.computeIfAbsent(call, c -> new AtomicInteger()).incrementAndGet();
            String body = answers.get(call);
            if (body == null) {
              exchange.sendResponseHeaders(404, -1);
              return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
          }
        });
    server.start();
    client =
        new WorkerClient(URI.create("http://127.0.0.1:" + server.getAddress().getPort()), null);
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  /** The grant as a server sends it, with {@code field} added at the top and in {@code dataset}. */
  private static String grantWith(String field) {
    ObjectNode grant = Json.mapper().valueToTree(GRANT);
    grant.putObject(field).put("since", "a newer server");
    ((ObjectNode) grant.get("dataset")).put(field, 1);
    return grant.toString();
  }

  @Test
  void a_grant_with_fields_this_worker_does_not_know_is_read_into_the_same_record() {
    answers.put("/lease", grantWith("placement"));

    assertThat(client.lease("w", Duration.ofMillis(10))).contains(GRANT);
  }

  @Test
  void a_grant_without_its_lease_token_is_refused_naming_the_field() {
    ObjectNode grant = Json.mapper().valueToTree(GRANT);
    grant.remove("leaseToken");
    grant.put("placement", "ignored");
    answers.put("/lease", grant.toString());

    assertThatThrownBy(() -> client.lease("w", Duration.ofMillis(10)))
        .isInstanceOf(WorkerClient.UnreadableAnswerException.class)
        .hasMessageContaining("/lease")
        .hasMessageContaining("LeaseGrant")
        .hasMessageContaining("leaseToken");
  }

  @Test
  void a_grant_with_a_malformed_field_is_refused() {
    ObjectNode grant = Json.mapper().valueToTree(GRANT);
    grant.put("leaseToken", "not-a-uuid");
    answers.put("/lease", grant.toString());

    assertThatThrownBy(() -> client.lease("w", Duration.ofMillis(10)))
        .isInstanceOf(WorkerClient.UnreadableAnswerException.class)
        .hasMessageContaining("not-a-uuid");
  }

  @Test
  void terms_heartbeat_and_events_answers_with_unknown_fields_are_read() {
    answers.put(
        "/register",
        "{\"name\":\"w\",\"leaseMillis\":30000,\"heartbeatMillis\":1000,\"pollMillis\":20000,"
            + "\"region\":\"eu\"}");
    answers.put(
        "/leases/7/heartbeat",
        "{\"expiresAtMillis\":5,\"cancelRequested\":true,\"reason\":\"user\"}");
    answers.put(
        "/leases/7/events", "{\"stored\":3,\"duplicates\":1,\"stop\":true,\"why\":\"asha\"}");

    assertThat(client.register(new WorkerRegistration("w", "h", 1, List.of("cpu"))))
        .isEqualTo(new WorkerTerms("w", 30_000, 1_000, 20_000));
    assertThat(client.heartbeat(7, new LeaseHeartbeat(GRANT.leaseToken(), "w", 0)))
        .isEqualTo(new HeartbeatAnswer(5, true));
    assertThat(client.events(7, new EventBatch(GRANT.leaseToken(), 2, List.of())))
        .isEqualTo(new EventsAnswer(3, 1, true));
  }

  @Test
  void heartbeat_and_events_answers_with_a_malformed_field_are_unreadable_naming_the_call() {
    answers.put("/leases/7/heartbeat", "{\"expiresAtMillis\":\"soon\",\"cancelRequested\":false}");
    answers.put("/leases/7/events", "{\"stored\":3,\"duplicates\":0,\"stop\":\"maybe\"}");

    assertThatThrownBy(() -> client.heartbeat(7, new LeaseHeartbeat(GRANT.leaseToken(), "w", 0)))
        .isInstanceOf(WorkerClient.UnreadableAnswerException.class)
        .hasMessageContaining("/leases/7/heartbeat")
        .hasMessageContaining("HeartbeatAnswer")
        .hasMessageContaining("soon");
    assertThatThrownBy(() -> client.events(7, new EventBatch(GRANT.leaseToken(), 2, List.of())))
        .isInstanceOf(WorkerClient.UnreadableAnswerException.class)
        .hasMessageContaining("/leases/7/events")
        .hasMessageContaining("EventsAnswer")
        .hasMessageContaining("maybe");
  }

  /**
   * The events path: an answer the worker cannot read gives the attempt up, as a refusal does (the
   * lease then expires back to the queue), instead of sending the batch again and again for an
   * answer that would be the same. The heartbeat path logs it and trains on (RemoteWorker).
   */
  @Test
  void an_events_answer_the_worker_cannot_read_gives_up_the_attempt(@TempDir Path folder)
      throws Exception {
    answers.put("/leases/7/events", "{\"stored\":\"three\",\"duplicates\":0,\"stop\":false}");
    CountDownLatch givenUp = new CountDownLatch(1);
    AtomicBoolean stopped = new AtomicBoolean();

    try (Outbox outbox =
        new Outbox(
            client,
            7,
            2,
            GRANT.leaseToken(),
            folder.resolve("outbox"),
            givenUp::countDown,
            () -> stopped.set(true))) {
      outbox.events(
          List.of(TrialEvent.of(1, Instant.EPOCH, new StatusChange("running", "attempt 2"))));
      outbox.complete(
          new Completion(GRANT.leaseToken(), Completion.SUCCEEDED, null, null, false, null, null));

      assertThat(givenUp.await(60, TimeUnit.SECONDS)).as("the attempt given up").isTrue();
      assertThat(outbox.awaitDelivered()).as("delivered").isFalse();
      assertThat(outbox.leaseLost()).isTrue();
    }
    assertThat(calls.get("/leases/7/events")).as("events calls").hasValue(1);
    assertThat(calls).as("the completion is not sent").doesNotContainKey("/leases/7/complete");
    assertThat(stopped).isFalse();
  }

  @Test
  void the_events_timeout_defaults_to_30_seconds_and_must_be_positive() {
    URI uri = URI.create("http://127.0.0.1:1");

    assertThat(new WorkerClient(uri, null).eventsTimeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(new WorkerClient(uri, null, Duration.ofMinutes(5)).eventsTimeout())
        .isEqualTo(Duration.ofMinutes(5));
    for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), null}) {
      assertThatThrownBy(() -> new WorkerClient(uri, null, bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("must be positive");
    }
  }
}
