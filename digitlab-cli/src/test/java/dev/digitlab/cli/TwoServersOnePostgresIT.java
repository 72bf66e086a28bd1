package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.testing.TestPostgres;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Two real server processes ({@code digitlab.jar}, as two replicas behind a load balancer) on one
 * real PostgreSQL: what one stores, the other serves, and events ingested through either reach live
 * event-stream clients of both — the streams poll the shared event table, no process talks to the
 * other.
 */
class TwoServersOnePostgresIT {

  private static final Duration WAIT = Duration.ofSeconds(90);

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();
  private final List<JarProcess> servers = new ArrayList<>();
  private String adminUrl;
  private String schema;

  @TempDir Path temp;

  @BeforeEach
  void createSchema() throws Exception {
    adminUrl = TestPostgres.url();
    schema = "two_servers_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection connection = DriverManager.getConnection(adminUrl);
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE SCHEMA " + schema);
    }
  }

  @AfterEach
  void stopServersAndDropSchema() throws Exception {
    servers.forEach(JarProcess::close);
    if (schema == null) {
      return; // no PostgreSQL: the test was skipped before it made its schema
    }
    try (Connection connection = DriverManager.getConnection(adminUrl);
        Statement statement = connection.createStatement()) {
      statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  @Test
  void a_trial_created_on_one_server_is_served_and_streamed_live_by_both() throws Exception {
    String databaseUrl =
        adminUrl + (adminUrl.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    String a = start("a", databaseUrl);
    String b = start("b", databaseUrl);

    long experimentId = submitExperiment(a);
    JsonNode onB = getJson(b + "/api/v1/experiments/" + experimentId);
    assertThat(onB.get("name").asString()).isEqualTo("two-servers");
    long trialId = onB.get("trials").get(0).get("id").asLong();
    assertThat(getJson(b + "/api/v1/trials/" + trialId).get("status").asString())
        .isEqualTo("queued");

    try (SseLines streamA = SseLines.open(http, a + "/api/v1/trials/" + trialId + "/events");
        SseLines streamB = SseLines.open(http, b + "/api/v1/trials/" + trialId + "/events")) {
      ingestMetric(a, trialId, 1); // through A
      ingestMetric(b, trialId, 2); // through B
      for (SseLines stream : List.of(streamA, streamB)) {
        assertThat(List.of(stream.nextSeq(), stream.nextSeq()))
            .as("both events, in order, on every server's stream")
            .containsExactly(1L, 2L);
      }
    }
  }

  /** Starts a server on a free port (port 0) and returns its URL once it listens. */
  private String start(String name, String databaseUrl) throws Exception {
    Path home = Files.createDirectories(temp.resolve(name));
    JarProcess server =
        JarProcess.start(
            temp.resolve(name + ".log"),
            "server",
            "--port",
            "0",
            "--home",
            home.toString(),
            "--database-url",
            databaseUrl,
            "--worker-slots",
            "0");
    servers.add(server);
    return server.awaitServerUrl(WAIT);
  }

  private long submitExperiment(String server) throws Exception {
    String file = "name: two-servers\nconfig: {model: mlp, epochs: 1}\n";
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(file))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return json.readTree(response.body()).get("id").asLong();
  }

  private void ingestMetric(String server, long trialId, long seq) throws Exception {
    String body =
        "{\"attempt\": 1, \"events\": [{\"seq\": "
            + seq
            + ", \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"metric\", \"payload\":"
            + " {\"key\": \"train_loss\", \"value\": 0.5, \"step\": "
            + seq
            + ", \"epoch\": 1}}]}";
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(server + "/api/v1/trials/" + trialId + "/events"))
                .header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(body))
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
  }

  private JsonNode getJson(String url) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Accept", "application/json").build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json.readTree(response.body());
  }

  /** The {@code data:} lines of a live SSE response, read on a virtual thread. */
  private static final class SseLines implements AutoCloseable {

    private final BlockingQueue<String> data = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final JsonMapper json = Json.mapper();

    private SseLines(HttpClient http, String url) {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create(url)).header("Accept", "text/event-stream").build();
      reader =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      http.send(request, BodyHandlers.ofLines())
                          .body()
                          .filter(line -> line.startsWith("data:"))
                          .forEach(line -> data.add(line.substring(5)));
                    } catch (IOException | InterruptedException | RuntimeException ended) {
                      // closed by the test
                    }
                  });
    }

    static SseLines open(HttpClient http, String url) {
      return new SseLines(http, url);
    }

    long nextSeq() throws InterruptedException {
      String line = data.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(line).as("an event within " + WAIT).isNotNull();
      return json.readTree(line).get("seq").asLong();
    }

    @Override
    public void close() {
      reader.interrupt();
    }
  }
}
