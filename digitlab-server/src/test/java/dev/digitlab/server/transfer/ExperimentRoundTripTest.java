package dev.digitlab.server.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.DigitLabServer;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.testing.TestDatabase;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The proof: an experiment that really trained (two tiny MLP trials on real MNIST, on the
 * embedded worker of a server on H2) is exported and imported into a second, fresh server on
 * PostgreSQL with its own data home; the compare API, the trials' curves and their reports answer
 * the same on both, and importing the file again stores nothing.
 */
@ExtendWith(TestPostgres.Required.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class ExperimentRoundTripTest {

  @TempDir static Path home;
  @TempDir static Path otherHome;

  @BeforeAll
  static void mnistIsFetched() {
    MnistDataHome.assumeFetched();
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", MnistDataHome.PATH::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  private static final String EXPERIMENT =
      """
      {"name": "moving-house", "dataset": "mnist",
       "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.003,
                  "trainSubset": 1000, "seed": 7},
       "search": {"type": "grid", "parameters": {"batchSize": [64, 128]}},
       "objective": {"metric": "test_accuracy", "goal": "max"}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;

  @Test
  void an_experiment_that_ran_on_h2_reads_the_same_after_import_into_postgresql() throws Exception {
    String here = "http://127.0.0.1:" + port;
    HttpResponse<String> submitted = post(here + "/api/v1/experiments", EXPERIMENT.getBytes());
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    long id = Json.mapper().readTree(submitted.body()).get("id").asLong();
    Experiment done =
        Waiting.until(
            () -> experiments.find(id).orElseThrow(),
            e -> e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED,
            Duration.ofMinutes(5),
            "experiment " + id + " finishing");
    assertThat(done.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    byte[] file =
        http.send(
                HttpRequest.newBuilder(URI.create(here + "/api/v1/experiments/" + id + "/export"))
                    .build(),
                BodyHandlers.ofByteArray())
            .body();

    String schema = TestDatabase.randomName("transfer_");
    String postgres = TestDatabase.postgresUrl();
    try (ConfigurableApplicationContext other =
        // Arguments, as a user starts a server: they win over application.properties' H2 URL.
        new SpringApplicationBuilder(DigitLabServer.class)
            .run(
                "--server.port=0",
                "--digitlab.home=" + otherHome,
                "--digitlab.worker.slots=0",
                "--spring.datasource.url=" + postgres + "&currentSchema=" + schema,
                "--spring.flyway.schemas=" + schema)) {
      String there = "http://127.0.0.1:" + other.getEnvironment().getProperty("local.server.port");
      HttpResponse<String> imported = post(there + "/api/v1/experiments/import", file);
      assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
      long copy = Json.mapper().readTree(imported.body()).get("id").asLong();

      JsonNode original = get(here + "/api/v1/experiments/" + id);
      JsonNode moved = get(there + "/api/v1/experiments/" + copy);
      for (String field : List.of("name", "spec", "status", "bestTestAccuracy", "objective")) {
        assertThat(moved.get(field)).as(field).isEqualTo(original.get(field));
      }
      List<Long> originalIds = trialIds(original);
      List<Long> movedIds = trialIds(moved);
      assertThat(movedIds).hasSize(2);

      JsonNode compareHere = get(here + "/api/v1/compare?trials=" + join(originalIds));
      JsonNode compareThere = get(there + "/api/v1/compare?trials=" + join(movedIds));
      assertThat(compareThere.get("metrics")).isEqualTo(compareHere.get("metrics"));
      assertThat(compareThere.get("config")).isEqualTo(compareHere.get("config"));
      assertThat(compareHere.get("metrics").toString()).contains("test_accuracy");

      for (int i = 0; i < 2; i++) {
        String a = here + "/api/v1/trials/" + originalIds.get(i);
        String b = there + "/api/v1/trials/" + movedIds.get(i);
        JsonNode trial = get(b);
        assertThat(trial.get("status").asString()).isEqualTo("succeeded");
        assertThat(trial.get("config")).isEqualTo(get(a).get("config"));
        // Every point equal but its time: events are stamped when stored, here at the import.
        assertThat(withoutTimes(get(b + "/metrics"))).isEqualTo(withoutTimes(get(a + "/metrics")));
        assertThat(get(b + "/metrics").toString()).contains("train_loss");
        assertThat(get(b + "/confusion-matrix")).isEqualTo(get(a + "/confusion-matrix"));
        assertThat(get(b + "/per-class")).isEqualTo(get(a + "/per-class"));
      }

      HttpResponse<String> again = post(there + "/api/v1/experiments/import", file);
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(again.body()).contains("as experiment " + copy);
    } finally {
      try (Connection connection = DriverManager.getConnection(postgres);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  private static JsonNode withoutTimes(JsonNode curves) {
    JsonNode copy = curves.deepCopy();
    copy.forEach(
        points ->
            points.forEach(
                point -> ((tools.jackson.databind.node.ObjectNode) point).remove("time")));
    return copy;
  }

  private static List<Long> trialIds(JsonNode experiment) {
    List<Long> ids = new ArrayList<>();
    experiment.get("trials").forEach(t -> ids.add(t.get("id").asLong()));
    return ids;
  }

  private static String join(List<Long> ids) {
    return ids.get(0) + "," + ids.get(1);
  }

  private JsonNode get(String url) throws Exception {
    HttpResponse<String> response =
        http.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofString());
    assertThat(response.statusCode()).as(url + ": " + response.body()).isEqualTo(200);
    return Json.mapper().readTree(response.body());
  }

  private HttpResponse<String> post(String url, byte[] body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .header(
                "Content-Type", url.endsWith("/import") ? "application/gzip" : "application/json")
            .POST(BodyPublishers.ofByteArray(body))
            .build(),
        BodyHandlers.ofString());
  }
}
