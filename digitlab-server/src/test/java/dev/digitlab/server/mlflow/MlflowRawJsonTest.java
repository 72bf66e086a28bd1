package dev.digitlab.server.mlflow;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.queue.TrialQueue;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * The MLflow API with the request bodies MLflow's Python client sends (proto3 JSON: int64 fields as
 * strings, NaN and infinities as strings), and bad input: MLflow's error codes as 4xx, and nothing
 * stored.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class MlflowRawJsonTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;
  @Autowired TrialQueue queue;

  @Test
  void a_python_client_run_with_string_int64s_and_nan_values() throws Exception {
    String experimentId =
        post("experiments/create", "{\"name\": \"python-shapes\"}")
            .path("experiment_id")
            .asString();
    JsonNode run =
        post(
                "runs/create",
                """
                {"experiment_id": "%s", "user_id": "ada", "start_time": "1700000000000",
                 "run_name": "bold-fish-1",
                 "tags": [{"key": "mlflow.user", "value": "ada"},
                          {"key": "mlflow.source.name", "value": "train.py"},
                          {"key": "mlflow.source.type", "value": "LOCAL"},
                          {"key": "mlflow.runName", "value": "bold-fish-1"}]}
                """
                    .formatted(experimentId))
            .path("run");
    String runId = run.path("info").path("run_id").asString();
    assertThat(run.path("info").path("run_name").asString()).isEqualTo("bold-fish-1");
    assertThat(run.path("info").path("user_id").asString()).isEqualTo("ada");
    assertThat(run.path("info").path("start_time").asLong()).isEqualTo(1_700_000_000_000L);

    post(
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [
           {"key": "loss", "value": "NaN", "timestamp": "1700000000001", "step": "0"},
           {"key": "loss", "value": "Infinity", "timestamp": "1700000000002", "step": "1"},
           {"key": "loss", "value": "-Infinity", "timestamp": "1700000000003", "step": "2"},
           {"key": "loss", "value": 0.25, "timestamp": 1700000000004, "step": 3}],
         "params": [{"key": "alpha", "value": "0.5"}],
         "tags": [{"key": "mlflow.note.content", "value": "first try"}]}
        """
            .formatted(runId));
    post(
        "runs/update",
        """
        {"run_id": "%s", "run_uuid": "%s", "status": "FINISHED", "end_time": "1700000000500"}
        """
            .formatted(runId, runId));

    JsonNode got = get("runs/get?run_id=" + runId).path("run");
    assertThat(got.path("info").path("status").asString()).isEqualTo("FINISHED");
    assertThat(got.path("info").path("end_time").asLong()).isEqualTo(1_700_000_000_500L);
    assertThat(got.path("data").path("metrics").get(0).path("value").asDouble()).isEqualTo(0.25);
    List<String> values = new ArrayList<>();
    for (JsonNode point :
        get("metrics/get-history?run_id=" + runId + "&metric_key=loss").path("metrics")) {
      values.add(point.path("value").asString());
    }
    assertThat(values).containsExactly("NaN", "Infinity", "-Infinity", "0.25");

    // paging through the history
    JsonNode page = get("metrics/get-history?run_id=" + runId + "&metric_key=loss&max_results=3");
    assertThat(page.path("metrics")).hasSize(3);
    JsonNode rest =
        get(
            "metrics/get-history?run_id="
                + runId
                + "&metric_key=loss&max_results=3&page_token="
                + page.path("next_page_token").asString());
    assertThat(rest.path("metrics")).hasSize(1);
    assertThat(rest.has("next_page_token")).isFalse();

    // the ajax-api prefix answers the same
    assertThat(send("GET", "/ajax-api/2.0/mlflow/runs/get?run_id=" + runId, null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void bad_input_gets_mlflows_error_codes_and_stores_nothing() throws Exception {
    String runId = newRun("bad-input");
    Map<String, Long> before = counts();

    assertError(
        send("POST", "/api/2.0/mlflow/runs/log-batch", "{\"run_id\": "), 400, "BAD_REQUEST");
    assertError(send("POST", "/api/2.0/mlflow/runs/log-batch", "[1, 2]"), 400, "BAD_REQUEST");
    assertError(
        send("GET", "/api/2.0/mlflow/runs/get?run_id=424242", null),
        404,
        "RESOURCE_DOES_NOT_EXIST");
    assertError(
        send("GET", "/api/2.0/mlflow/runs/get?run_id=not-a-number", null),
        404,
        "RESOURCE_DOES_NOT_EXIST");
    assertError(
        send("GET", "/api/2.0/mlflow/experiments/get?experiment_id=abc", null),
        404,
        "RESOURCE_DOES_NOT_EXIST");
    assertError(send("GET", "/api/2.0/mlflow/runs/get", null), 400, "INVALID_PARAMETER_VALUE");

    StringBuilder oversize = new StringBuilder("{\"run_id\": \"" + runId + "\", \"metrics\": [");
    for (int i = 0; i < 1001; i++) {
      oversize
          .append(i == 0 ? "" : ",")
          .append("{\"key\": \"m\", \"value\": 1, \"timestamp\": 1, \"step\": ")
          .append(i)
          .append('}');
    }
    assertError(
        send("POST", "/api/2.0/mlflow/runs/log-batch", oversize.append("]}").toString()),
        400,
        "INVALID_PARAMETER_VALUE");
    StringBuilder params = new StringBuilder("{\"run_id\": \"" + runId + "\", \"params\": [");
    for (int i = 0; i < 101; i++) {
      params.append(i == 0 ? "" : ",").append("{\"key\": \"p" + i + "\", \"value\": \"v\"}");
    }
    assertError(
        send("POST", "/api/2.0/mlflow/runs/log-batch", params.append("]}").toString()),
        400,
        "INVALID_PARAMETER_VALUE");

    for (String key : List.of("../up", "a//b", "/absolute", "bad*key", "a/./b", "")) {
      assertError(
          send(
              "POST",
              "/api/2.0/mlflow/runs/log-metric",
              "{\"run_id\": \"%s\", \"key\": %s, \"value\": 1, \"timestamp\": 1}"
                  .formatted(runId, JSON.writeValueAsString(key))),
          400,
          "INVALID_PARAMETER_VALUE");
    }
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/runs/log-metric",
            "{\"run_id\": \"%s\", \"key\": \"m\", \"value\": \"lots\", \"timestamp\": 1}"
                .formatted(runId)),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/runs/log-metric",
            "{\"run_id\": \"%s\", \"key\": \"m\", \"value\": 1, \"timestamp\": \"yesterday\"}"
                .formatted(runId)),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/runs/search",
            "{\"experiment_ids\": [\"0\"], \"filter\": \"metrics.rmse <> 1\"}"),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/runs/search",
            "{\"experiment_ids\": [\"0\"], \"page_token\": \"%%%\"}"),
        400,
        "INVALID_PARAMETER_VALUE");

    // all or nothing: good metrics with a param that changes value store nothing
    post(
        "runs/log-parameter",
        "{\"run_id\": \"%s\", \"key\": \"alpha\", \"value\": \"0.5\"}".formatted(runId));
    before = counts();
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/runs/log-batch",
            """
            {"run_id": "%s",
             "metrics": [{"key": "rmse", "value": 0.5, "timestamp": 1, "step": 0}],
             "params": [{"key": "alpha", "value": "0.6"}]}
            """
                .formatted(runId)),
        400,
        "INVALID_PARAMETER_VALUE");
    assertThat(counts()).isEqualTo(before);
    assertThat(get("metrics/get-history?run_id=" + runId + "&metric_key=rmse").path("metrics"))
        .isEmpty();
  }

  @Test
  void built_in_trials_read_as_runs_and_stay_read_only() throws Exception {
    HttpResponse<String> submitted =
        send(
            "POST",
            "/api/v1/experiments",
            """
            {"name": "builtin-as-runs", "dataset": "mnist",
             "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01},
             "search": {"type": "grid", "parameters": {"batchSize": [64, 128]}}}
            """);
    assertThat(submitted.statusCode()).isEqualTo(201);
    String experimentId = JSON.readTree(submitted.body()).path("id").asString();
    JsonNode runs =
        post(
                "runs/search",
                "{\"experiment_ids\": [\"%s\"], \"filter\": \"params.batchSize = '128'\"}"
                    .formatted(experimentId))
            .path("runs");
    assertThat(runs).hasSize(1);
    JsonNode run = runs.get(0);
    assertThat(run.path("info").path("status").asString()).isEqualTo("SCHEDULED");
    Map<String, String> params = new java.util.HashMap<>();
    run.path("data")
        .path("params")
        .forEach(p -> params.put(p.path("key").asString(), p.path("value").asString()));
    assertThat(params).containsEntry("model", "mlp").containsEntry("batchSize", "128");

    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/runs/log-metric",
            "{\"run_id\": \"%s\", \"key\": \"m\", \"value\": 1, \"timestamp\": 1}"
                .formatted(run.path("info").path("run_id").asString())),
        400,
        "INVALID_PARAMETER_VALUE");
  }

  /**
   * Digit Lab's own API and pages read an MLflow experiment, its runs and their curves: also one
   * stored with the objective {@code none}, as MLflow experiments were before they got the default
   * one (reading that once failed, so a run's page answered 500 and drew no curve).
   */
  @Test
  void an_outside_experiment_reads_through_digitlabs_own_api_and_pages() throws Exception {
    String experimentId =
        post("experiments/create", "{\"name\": \"outside-read\"}").path("experiment_id").asString();
    String runId =
        post("runs/create", "{\"experiment_id\": \"" + experimentId + "\"}")
            .path("run")
            .path("info")
            .path("run_id")
            .asString();
    post(
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [{"key": "rmse", "value": 0.7, "timestamp": 1, "step": 0},
                                     {"key": "rmse", "value": 0.6, "timestamp": 2, "step": 1}]}
        """
            .formatted(runId));
    post("runs/update", "{\"run_id\": \"%s\", \"status\": \"FINISHED\"}".formatted(runId));

    jdbc.sql("UPDATE experiment SET objective_metric = 'none' WHERE id = :id")
        .param("id", Long.parseLong(experimentId))
        .update();

    HttpResponse<String> experiment = send("GET", "/api/v1/experiments/" + experimentId, null);
    assertThat(experiment.statusCode()).as(experiment.body()).isEqualTo(200);
    assertThat(JSON.readTree(experiment.body()).path("objective").path("metric").asString())
        .isEqualTo("none");
    for (String page :
        List.of(
            "/runs/" + runId,
            "/experiments/" + experimentId,
            "/api/v1/experiments/" + experimentId + "/report",
            "/experiments/" + experimentId + "/runs")) {
      HttpResponse<String> html = send("GET", page, null);
      assertThat(html.statusCode()).as(page + ": " + html.body()).isEqualTo(200);
    }
    HttpResponse<String> metrics =
        send("GET", "/api/v1/trials/" + runId + "/metrics?points=1000&keys=rmse", null);
    assertThat(metrics.statusCode()).as(metrics.body()).isEqualTo(200);
    JsonNode rmse = JSON.readTree(metrics.body()).path("rmse");
    assertThat(rmse).hasSize(2);
    assertThat(rmse.get(1).path("step").asLong()).isEqualTo(1);
    assertThat(rmse.get(1).path("value").asDouble()).isEqualTo(0.6);
  }

  @Test
  void no_worker_ever_claims_an_external_run() throws Exception {
    String runId = newRun("never-claimed");
    post("runs/update", "{\"run_id\": \"%s\", \"status\": \"SCHEDULED\"}".formatted(runId));
    assertThat(get("runs/get?run_id=" + runId).path("run").path("info").path("status").asString())
        .isEqualTo("SCHEDULED");
    for (int i = 0; i < 3; i++) {
      queue
          .claim("worker-" + i, Set.of("cpu", "gpu"), Duration.ofMinutes(1))
          .ifPresent(lease -> assertThat(Long.toString(lease.trialId())).isNotEqualTo(runId));
    }
    assertThat(get("runs/get?run_id=" + runId).path("run").path("info").path("status").asString())
        .isEqualTo("SCHEDULED");
  }

  @Test
  void artifacts_go_through_the_proxy_as_the_python_client_sends_them() throws Exception {
    String runId = newRun("artifacts");
    JsonNode info = get("runs/get?run_id=" + runId).path("run").path("info");
    String root = info.path("artifact_uri").asString();
    assertThat(root).startsWith("mlflow-artifacts:/").endsWith("/" + runId + "/artifacts");
    String runPath = root.substring("mlflow-artifacts:/".length());
    String base = "/api/2.0/mlflow-artifacts/artifacts/" + runPath;

    HttpResponse<String> put =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + base + "/model/MLmodel"))
                .header("Content-Type", "text/plain")
                .PUT(BodyPublishers.ofString("flavors: {}\n"))
                .build(),
            BodyHandlers.ofString());
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(send("PUT", base + "/notes.txt", "hello").statusCode()).isEqualTo(200);

    HttpResponse<String> download = send("GET", base + "/model/MLmodel", null);
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).isEqualTo("flavors: {}\n");

    JsonNode proxied =
        JSON.readTree(
            send("GET", "/api/2.0/mlflow-artifacts/artifacts?path=" + runPath, null).body());
    List<String> names = new ArrayList<>();
    proxied
        .path("files")
        .forEach(f -> names.add(f.path("path").asString() + ":" + f.path("is_dir").asBoolean()));
    assertThat(names).containsExactly("model:true", "notes.txt:false");

    JsonNode listed = get("artifacts/list?run_id=" + runId + "&path=model");
    assertThat(listed.path("root_uri").asString()).isEqualTo(root);
    assertThat(listed.path("files").get(0).path("path").asString()).isEqualTo("model/MLmodel");
    assertThat(listed.path("files").get(0).path("file_size").asLong()).isEqualTo(12);

    // refused before it reaches the API (the HTTP firewall), or by the API's own path check
    assertThat(send("PUT", base + "/../../escape.txt", "x").statusCode()).isEqualTo(400);
    assertThat(send("PUT", base + "/a%5Cb.txt", "x").statusCode()).isEqualTo(400);
    assertError(
        send("PUT", "/api/2.0/mlflow-artifacts/artifacts/0/notes.txt", "x"),
        404,
        "RESOURCE_DOES_NOT_EXIST");
    assertThat(home.resolve("trials").toFile().list()).containsOnly(runId);
    assertError(send("GET", base + "/missing.txt", null), 404, "RESOURCE_DOES_NOT_EXIST");
    assertThat(send("DELETE", base + "/notes.txt", null).statusCode()).isEqualTo(200);
    assertError(send("GET", base + "/notes.txt", null), 404, "RESOURCE_DOES_NOT_EXIST");
  }

  private String newRun(String experiment) throws Exception {
    String experimentId =
        post("experiments/create", "{\"name\": \"" + experiment + "\"}")
            .path("experiment_id")
            .asString();
    return post("runs/create", "{\"experiment_id\": \"" + experimentId + "\"}")
        .path("run")
        .path("info")
        .path("run_id")
        .asString();
  }

  private Map<String, Long> counts() {
    Map<String, Long> counts = new java.util.TreeMap<>();
    for (String table :
        List.of("run_param", "run_tag", "run_metric", "trial_event_block", "trial", "experiment")) {
      counts.put(table, jdbc.sql("SELECT COUNT(*) FROM " + table).query(Long.class).single());
    }
    return counts;
  }

  private static void assertError(HttpResponse<String> response, int status, String code)
      throws Exception {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("error_code").asString()).isEqualTo(code);
    assertThat(body.path("message").asString()).isNotBlank();
  }

  private JsonNode post(String path, String body) throws Exception {
    HttpResponse<String> response = send("POST", "/api/2.0/mlflow/" + path, body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private JsonNode get(String pathAndQuery) throws Exception {
    HttpResponse<String> response = send("GET", "/api/2.0/mlflow/" + pathAndQuery, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
    if (body == null) {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      request
          .header("Content-Type", "application/json")
          .method(method, BodyPublishers.ofString(body));
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
