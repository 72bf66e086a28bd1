package dev.digitlab.server.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.PostgresSchema;
import dev.digitlab.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
 * The MLflow API on PostgreSQL: names stay unique under concurrent creates, whose row lock
 * serialises servers sharing it ({@link ConcurrentCreates}); retried metric points are kept once
 * ({@link RetriedPoints}); search reads runs' datasets (MlflowClientTest has the whole grammar).
 */
@ExtendWith(TestPostgres.Required.class)
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class MlflowOnPostgresTest {

  /** Dropped after the context is closed (see {@link PostgresSchema}). */
  @AutoClose private static final PostgresSchema SCHEMA = PostgresSchema.named("mlflow_names_");

  @TempDir static Path home;

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry properties) {
    SCHEMA.addTo(properties);
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;

  @Test
  void concurrent_creates_of_one_name_make_one_experiment_and_one_model() throws Exception {
    ConcurrentCreates.makeOneOfEach(port, jdbc, "pg-parallel-");
  }

  @Test
  void a_retried_metric_point_is_kept_once() throws Exception {
    RetriedPoints.areKeptOnce(port, jdbc, "pg-retried-points");
  }

  @Test
  void search_finds_runs_by_their_datasets_and_answers_their_inputs() throws Exception {
    String experimentId =
        post("experiments/create", "{\"name\": \"pg-datasets\"}").path("experiment_id").asString();
    List<String> runIds = new ArrayList<>();
    for (String context : List.of("training", "evaluation")) {
      String runId =
          post("runs/create", "{\"experiment_id\": \"" + experimentId + "\"}")
              .path("run")
              .path("info")
              .path("run_id")
              .asString();
      runIds.add(runId);
      post(
          "runs/log-inputs",
          """
          {"run_id": "%s", "datasets": [{"tags": [{"key": "mlflow.data.context", "value": "%s"}],
           "dataset": {"name": "mnist", "digest": "abc", "source_type": "local", "source": "{}"}}]}
          """
              .formatted(runId, context));
    }
    JsonNode found =
        post(
            "runs/search",
            "{\"experiment_ids\": [\""
                + experimentId
                + "\"], \"filter\": \"datasets.name = 'mnist' and datasets.context != 'training'\"}");
    assertThat(found.path("runs").findValuesAsString("run_id")).containsExactly(runIds.get(1));
    assertThat(
            found
                .path("runs")
                .get(0)
                .path("inputs")
                .path("dataset_inputs")
                .get(0)
                .path("tags")
                .get(0)
                .path("value")
                .asString())
        .isEqualTo("evaluation");
  }

  private JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/api/2.0/mlflow/" + path))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JsonMapper.builder().build().readTree(response.body());
  }
}
