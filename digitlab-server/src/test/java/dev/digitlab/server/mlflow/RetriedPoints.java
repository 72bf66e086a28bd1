package dev.digitlab.server.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A client that times out retries its request: MLflow's SQL store keeps a metric point once per
 * (key, value, timestamp, step), so a retried {@code log-batch} or {@code log-metric} adds nothing,
 * even one sent while the first is still being stored. A point that differs in any of the four is
 * kept. Run on H2 ({@link MlflowRawJsonTest}) and on PostgreSQL ({@link MlflowOnPostgresTest}).
 */
final class RetriedPoints {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();
  private final int port;

  private RetriedPoints(int port) {
    this.port = port;
  }

  static void areKeptOnce(int port, JdbcClient jdbc, String experiment) throws Exception {
    new RetriedPoints(port).check(jdbc, experiment);
  }

  private void check(JdbcClient jdbc, String experiment) throws Exception {
    String experimentId =
        JSON.readTree(answer("experiments/create", "{\"name\": \"" + experiment + "\"}").get())
            .path("experiment_id")
            .asString();
    String runId =
        JSON.readTree(answer("runs/create", "{\"experiment_id\": \"" + experimentId + "\"}").get())
            .path("run")
            .path("info")
            .path("run_id")
            .asString();
    String batch =
        """
        {"run_id": "%s", "params": [{"key": "alpha", "value": "0.5"}], "metrics": [
           {"key": "loss", "value": 0.5, "timestamp": "1700000000001", "step": "1"},
           {"key": "loss", "value": "NaN", "timestamp": "1700000000001", "step": "2"},
           {"key": "acc", "value": 0.9, "timestamp": "1700000000001", "step": "1"}]}
        """
            .formatted(runId);
    answer("runs/log-batch", batch).get();
    answer("runs/log-batch", batch).get();
    // log_metric's retry of an earlier point and of the latest one
    answer("runs/log-metric", point(runId, "loss", "0.5", 1_700_000_000_001L, 1)).get();
    answer("runs/log-metric", point(runId, "loss", "\"NaN\"", 1_700_000_000_001L, 2)).get();
    // Sent at once, as a retry after a timeout may reach the server while the first is stored.
    String later =
        """
        {"run_id": "%s", "metrics": [
           {"key": "loss", "value": 0.4, "timestamp": "1700000000002", "step": "3"},
           {"key": "loss", "value": 0.7, "timestamp": "1700000000002", "step": "0"}]}
        """
            .formatted(runId);
    List<CompletableFuture<String>> retries = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      retries.add(answer("runs/log-batch", later));
    }
    for (CompletableFuture<String> retry : retries) {
      retry.get();
    }
    // Not repeats: each differs from a stored point in value, timestamp or step only.
    answer("runs/log-metric", point(runId, "loss", "0.51", 1_700_000_000_001L, 1)).get();
    answer("runs/log-metric", point(runId, "loss", "0.5", 1_700_000_000_003L, 1)).get();
    answer("runs/log-metric", point(runId, "loss", "0.5", 1_700_000_000_001L, 4)).get();

    assertThat(history(runId, "loss"))
        .containsExactlyInAnyOrder(
            "0.5@1700000000001#1",
            "NaN@1700000000001#2",
            "0.4@1700000000002#3",
            "0.7@1700000000002#0",
            "0.51@1700000000001#1",
            "0.5@1700000000003#1",
            "0.5@1700000000001#4");
    assertThat(history(runId, "acc")).containsExactly("0.9@1700000000001#1");
    assertThat(
            jdbc.sql("SELECT step FROM run_metric WHERE trial_id = :id AND metric_key = 'loss'")
                .param("id", Long.parseLong(runId))
                .query(Long.class)
                .single())
        .isEqualTo(4);
  }

  private static String point(String runId, String key, String value, long timestamp, long step) {
    return """
        {"run_id": "%s", "key": "%s", "value": %s, "timestamp": %d, "step": %d}
        """
        .formatted(runId, key, value, timestamp, step);
  }

  private List<String> history(String runId, String key) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/api/2.0/mlflow/metrics/get-history?run_id="
                            + runId
                            + "&metric_key="
                            + key))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> points = new ArrayList<>();
    for (JsonNode point : JSON.readTree(response.body()).path("metrics")) {
      points.add(
          point.path("value").asString()
              + "@"
              + point.path("timestamp").asLong()
              + "#"
              + point.path("step").asLong());
    }
    return points;
  }

  /** The answer's body, once it came; fails unless it is a 200. */
  private CompletableFuture<String> answer(String path, String body) {
    return http.sendAsync(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/api/2.0/mlflow/" + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .thenApply(
            response -> {
              assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
              return response.body();
            });
  }
}
