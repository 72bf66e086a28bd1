package dev.digitlab.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.StringJoiner;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rule: every limit answers with a 4xx problem detail saying what to change, and stores nothing:
 * request body size, events per batch, log line length, metric key syntax, YAML size and aliases,
 * trials per experiment, artifact names that would leave the trial's folder.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class LimitsTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.limits.max-request-size", () -> "2MB");
    properties.add("digitlab.limits.max-artifact-size", () -> "4MB");
    properties.add("digitlab.events.max-batch", () -> "10");
    properties.add("digitlab.experiments.max-trials", () -> "8");
  }

  private static final String EXPERIMENT =
      "{\"name\": \"limits\", \"config\": {\"model\": \"mlp\", \"learningRate\": 0.01},"
          + " \"search\": {\"type\": \"grid\", \"parameters\": {\"batchSize\": [64]}}}";

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;

  long trial;

  @BeforeEach
  void aTrial() throws Exception {
    HttpResponse<String> created = post("/api/v1/experiments", EXPERIMENT, "application/json");
    assertThat(created.statusCode()).isEqualTo(201);
    trial = json.readTree(created.body()).get("trials").get(0).get("id").asLong();
  }

  @Test
  void a_body_over_the_request_limit_is_413_whether_its_length_is_declared_or_not()
      throws Exception {
    String big = "x".repeat(3 * 1024 * 1024);
    long experiments = count("experiment");

    HttpResponse<String> declared = post("/api/v1/experiments", big, "application/yaml");
    HttpResponse<String> chunked =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/" + trial + "/events"))
                .header("Content-Type", "application/json")
                .POST(
                    BodyPublishers.ofInputStream(
                        () ->
                            new ByteArrayInputStream(
                                ("{\"attempt\":1,\"events\":[\"" + big + "\"]}")
                                    .getBytes(StandardCharsets.UTF_8))))
                .build(),
            BodyHandlers.ofString());

    assertThat(problem(declared, 413).get("detail").asString())
        .contains("digitlab.limits.max-request-size");
    assertThat(problem(chunked, 413).get("detail").asString())
        .contains("digitlab.limits.max-request-size");
    assertThat(count("experiment")).isEqualTo(experiments);
  }

  @Test
  void a_workers_artifact_upload_has_its_own_larger_limit() throws Exception {
    byte[] checkpoint = new byte[3 * 1024 * 1024]; // over max-request-size, under the artifact's
    byte[] tooLarge = new byte[5 * 1024 * 1024];

    HttpResponse<String> allowed = putArtifact(checkpoint);
    HttpResponse<String> refused = putArtifact(tooLarge);

    // Past the size filter: refused for what it is (no such lease), not for its size.
    assertThat(allowed.statusCode()).as(allowed.body()).isBetween(400, 499).isNotEqualTo(413);
    assertThat(problem(refused, 413).get("detail").asString())
        .contains("digitlab.limits.max-artifact-size");
  }

  private HttpResponse<String> putArtifact(byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                uri("/api/v1/worker/leases/" + trial + "/artifacts/checkpoint?seq=1"))
            .header("Content-Type", "application/octet-stream")
            .header("Lease-Token", "00000000-0000-0000-0000-000000000000")
            .PUT(BodyPublishers.ofByteArray(body))
            .build(),
        BodyHandlers.ofString());
  }

  @Test
  void more_events_than_a_batch_may_carry_is_413() throws Exception {
    StringJoiner events = new StringJoiner(",", "{\"attempt\":1,\"events\":[", "]}");
    for (int seq = 1; seq <= 11; seq++) {
      events.add(metric(seq, "train_loss"));
    }

    assertThat(problem(postEvents(events.toString()), 413).get("detail").asString())
        .contains("at most 10 events");
    assertThat(count("trial_event_block")).isZero();
  }

  @Test
  void a_log_line_over_its_length_is_400() throws Exception {
    String line =
        "{\"seq\":1,\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"log\",\"payload\":"
            + "{\"level\":\"INFO\",\"message\":\""
            + "y".repeat(65_537)
            + "\"}}";

    assertThat(problem(postEvents("{\"attempt\":1,\"events\":[" + line + "]}"), 400).toString())
        .contains("events[0]", "65536");
    assertThat(count("trial_event_block")).isZero();
  }

  @Test
  void a_metric_key_outside_its_syntax_is_400() throws Exception {
    String batch =
        "{\"attempt\":1,\"events\":["
            + metric(1, "train_loss")
            + ","
            + metric(2, "Robert'); DROP TABLE trial;--")
            + "]}";

    assertThat(problem(postEvents(batch), 400).toString()).contains("events[1]", "metric key");
    assertThat(count("trial_event_block")).isZero();
  }

  @Test
  void a_yaml_file_over_its_size_or_with_aliases_is_400() throws Exception {
    long experiments = count("experiment");
    String huge = "name: big\ndescription: \"" + "z".repeat((1 << 20) + 10) + "\"\n";
    String laughs =
        """
        name: laughs
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        """;

    assertThat(problem(post("/api/v1/experiments", huge, "application/yaml"), 400).toString())
        .contains("bytes; the limit is 1048576");
    assertThat(problem(post("/api/v1/experiments", laughs, "application/yaml"), 400).toString())
        .contains("YAML aliases");
    assertThat(count("experiment")).isEqualTo(experiments);
  }

  @Test
  void more_trials_than_the_cap_is_400_and_nothing_is_created() throws Exception {
    long experiments = count("experiment");
    String nine =
        "{\"name\": \"nine\", \"config\": {\"model\": \"mlp\"}, \"search\": {\"type\": \"grid\","
            + " \"parameters\": {\"batchSize\": [1,2,3,4,5,6,7,8,9]}}}";

    assertThat(problem(post("/api/v1/experiments", nine, "application/json"), 400).toString())
        .contains("9 trials", "8");
    assertThat(count("experiment")).isEqualTo(experiments);
  }

  @Test
  void an_artifact_name_that_would_leave_the_trial_folder_is_400() throws Exception {
    for (String name : new String[] {"..%2F..%2Fdb%2Fdigitlab.mv.db", "..", "%2Fetc%2Fpasswd"}) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri("/api/v1/trials/" + trial + "/artifacts/" + name)).build(),
              BodyHandlers.ofString());
      assertThat(response.statusCode()).as(name).isBetween(400, 404);
      assertThat(response.body()).doesNotContain("H2").doesNotContain("root:");
    }
  }

  private static String metric(int seq, String key) {
    return "{\"seq\":"
        + seq
        + ",\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"metric\",\"payload\":{\"key\":\""
        + key.replace("\"", "\\\"")
        + "\",\"value\":0.5,\"step\":"
        + seq
        + ",\"epoch\":1}}";
  }

  private long count(String table) {
    return jdbc.sql("SELECT COUNT(*) FROM " + table).query(Long.class).single();
  }

  private JsonNode problem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("correlationId").asString()).isNotBlank();
    return problem;
  }

  private HttpResponse<String> postEvents(String body) throws Exception {
    return post("/api/v1/trials/" + trial + "/events", body, "application/json");
  }

  private HttpResponse<String> post(String path, String body, String type) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", type)
            .POST(BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
