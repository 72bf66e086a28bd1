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
  void a_run_name_and_a_different_run_name_tag_are_refused_as_mlflow_does() throws Exception {
    String runId = newRun("two-run-names");
    String experimentId =
        get("runs/get?run_id=" + runId).path("run").path("info").path("experiment_id").asString();
    Map<String, Long> before = counts();
    HttpResponse<String> both =
        send(
            "POST",
            "/api/2.0/mlflow/runs/create",
            """
            {"experiment_id": "%s", "run_name": "a",
             "tags": [{"key": "mlflow.runName", "value": "b"}]}
            """
                .formatted(experimentId));
    assertError(both, 400, "INVALID_PARAMETER_VALUE");
    assertThat(both.body()).contains("run_name='a'", "mlflow.runName='b'");
    assertThat(counts()).isEqualTo(before);
    // the same name twice is one name
    String same =
        runBeside(
            runId,
            """
            {"run_name": "a", "tags": [{"key": "mlflow.runName", "value": "a"}]}
            """);
    assertThat(get("runs/get?run_id=" + same).path("run").path("info").path("run_name").asString())
        .isEqualTo("a");
  }

  @Test
  void a_point_twice_in_one_batch_is_kept_once_as_mlflows_store_does() throws Exception {
    String runId = newRun("point-twice");
    post(
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [
           {"key": "loss", "value": 0.5, "timestamp": "1700000000001", "step": "1"},
           {"key": "loss", "value": "NaN", "timestamp": "1700000000001", "step": "2"},
           {"key": "loss", "value": 0.5, "timestamp": "1700000000001", "step": "1"},
           {"key": "loss", "value": "NaN", "timestamp": "1700000000001", "step": "2"},
           {"key": "loss", "value": 0.5, "timestamp": "1700000000002", "step": "1"}]}
        """
            .formatted(runId));
    List<String> points = new ArrayList<>();
    for (JsonNode point :
        get("metrics/get-history?run_id=" + runId + "&metric_key=loss").path("metrics")) {
      points.add(point.path("step").asLong() + "@" + point.path("timestamp").asLong());
    }
    assertThat(points)
        .containsExactlyInAnyOrder("1@1700000000001", "2@1700000000001", "1@1700000000002");
  }

  @Test
  void a_point_retried_in_a_later_request_is_kept_once_as_mlflows_store_does() throws Exception {
    RetriedPoints.areKeptOnce(port, jdbc, "retried-points");
  }

  @Test
  void an_error_names_a_backquoted_key_as_the_user_wrote_it() throws Exception {
    String runId = newRun("backquoted-errors");
    HttpResponse<String> search =
        send(
            "POST",
            "/api/2.0/mlflow/runs/search",
            "{\"filter\": \"metrics.`val loss` <> 1 and params.`int` = 'a'\"}");
    assertError(search, 400, "INVALID_PARAMETER_VALUE");
    assertThat(JSON.readTree(search.body()).path("message").asString())
        .contains("metrics.`val loss` <> 1 and params.`int` = 'a'");
    HttpResponse<String> metric =
        send(
            "POST",
            "/api/2.0/mlflow/runs/log-metric",
            """
            {"run_id": "%s", "key": "loss `java.lang.String`", "value": 1, "timestamp": 1}
            """
                .formatted(runId));
    assertError(metric, 400, "INVALID_PARAMETER_VALUE");
    assertThat(JSON.readTree(metric.body()).path("message").asString())
        .contains("loss `java.lang.String`");
  }

  @Test
  void a_deleted_run_takes_none_of_mlflows_run_writes() throws Exception {
    String runId = newRun("deleted-run-writes");
    post("runs/delete", "{\"run_id\": \"%s\"}".formatted(runId));
    Map<String, String> writes =
        Map.of(
            "runs/update", "\"status\": \"FINISHED\"",
            "runs/log-metric", "\"key\": \"m\", \"value\": 1, \"timestamp\": \"1\"",
            "runs/log-parameter", "\"key\": \"p\", \"value\": \"1\"",
            "runs/set-tag", "\"key\": \"t\", \"value\": \"1\"",
            "runs/log-batch", "\"tags\": [{\"key\": \"t\", \"value\": \"1\"}]");
    Map<String, Long> before = counts();
    for (Map.Entry<String, String> write : writes.entrySet()) {
      assertError(
          send(
              "POST",
              "/api/2.0/mlflow/" + write.getKey(),
              "{\"run_id\": \"" + runId + "\", " + write.getValue() + "}"),
          400,
          "INVALID_PARAMETER_VALUE");
    }
    assertThat(counts()).isEqualTo(before);
    JsonNode info = get("runs/get?run_id=" + runId).path("run").path("info");
    assertThat(info.path("status").asString()).isEqualTo("RUNNING");
    assertThat(info.path("lifecycle_stage").asString()).isEqualTo("deleted");
    post("runs/restore", "{\"run_id\": \"%s\"}".formatted(runId));
    post("runs/update", "{\"run_id\": \"%s\", \"status\": \"FINISHED\"}".formatted(runId));
  }

  @Test
  void deleting_a_deleted_experiment_or_restoring_an_active_one_is_not_found() throws Exception {
    String experimentId =
        post("experiments/create", "{\"name\": \"stage-twice\"}").path("experiment_id").asString();
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/experiments/restore",
            "{\"experiment_id\": \"%s\"}".formatted(experimentId)),
        404,
        "RESOURCE_DOES_NOT_EXIST");
    post("experiments/delete", "{\"experiment_id\": \"%s\"}".formatted(experimentId));
    assertError(
        send(
            "POST",
            "/api/2.0/mlflow/experiments/delete",
            "{\"experiment_id\": \"%s\"}".formatted(experimentId)),
        404,
        "RESOURCE_DOES_NOT_EXIST");
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

  /**
   * {@code mlflow.log_image(image, key="digits", step=3)} uploads {@code
   * images/digits%step%3%timestamp%<ms>%<uuid>.png}, the percent signs sent as {@code %25}: stored,
   * listed and downloaded under that name. An encoded percent elsewhere stays refused, and a
   * doubly-encoded {@code ..} is a file name, not the parent folder.
   */
  @Test
  void logged_images_with_percent_signs_in_their_names_go_through_the_proxy() throws Exception {
    String runId = newRun("log-image");
    String root =
        get("runs/get?run_id=" + runId).path("run").path("info").path("artifact_uri").asString();
    String base =
        "/api/2.0/mlflow-artifacts/artifacts/" + root.substring("mlflow-artifacts:/".length());
    String name = "digits%step%3%timestamp%1700000000000%g1b2c3d4";
    String encoded = name.replace("%", "%25");

    HttpResponse<String> put = send("PUT", base + "/images/" + encoded + ".png", "png bytes");
    assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
    assertThat(send("PUT", base + "/images/" + encoded + "_compressed.webp", "webp").statusCode())
        .isEqualTo(200);
    JsonNode listed =
        JSON.readTree(
            send(
                    "GET",
                    "/api/2.0/mlflow-artifacts/artifacts?path="
                        + root.substring("mlflow-artifacts:/".length())
                        + "/images",
                    null)
                .body());
    List<String> names = new ArrayList<>();
    listed.path("files").forEach(f -> names.add(f.path("path").asString()));
    assertThat(names).containsExactly(name + ".png", name + "_compressed.webp");
    HttpResponse<String> download = send("GET", base + "/images/" + encoded + ".png", null);
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.body()).isEqualTo("png bytes");

    assertThat(send("PUT", base + "/%252e%252e/x.txt", "x").statusCode()).isEqualTo(200);
    assertThat(get("artifacts/list?run_id=" + runId).path("files").toString())
        .contains("\"%2e%2e\"");
    assertThat(home.resolve("trials").resolve(runId).resolve("x.txt")).doesNotExist();
    assertError(send("PUT", base + "/a%2Fb.txt", "x"), 400, "INVALID_PARAMETER_VALUE");
    assertError(
        send("GET", "/api/2.0/mlflow/runs/get%25?run_id=" + runId, null),
        400,
        "INVALID_PARAMETER_VALUE");
  }

  /** Parallel {@code mlflow.set_experiment("x")} and {@code register_model} calls, on H2. */
  @Test
  void concurrent_creates_of_one_name_make_one_experiment_and_one_model() throws Exception {
    ConcurrentCreates.makeOneOfEach(port, jdbc, "parallel-");
  }

  @Test
  void history_bulk_interval_samples_steps_across_runs_as_mlflows_server_does() throws Exception {
    String a = newRun("bulk-interval");
    String b = runBeside(a, "{}");
    logSteps(a, "loss", 0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    logSteps(b, "loss", 0, 1, 2, 3, 4, 20);
    logSteps(b, "other", 100);

    // 11 distinct steps 0..9, 20; 5 sampled at indexes 0, 2.2, 4.4, 6.6, 8.8 -> steps 0 2 4 6 8,
    // the last step (20) and each run's first and last (0, 9; 0, 20).
    JsonNode all =
        get(
            "metrics/get-history-bulk-interval?run_ids="
                + a
                + "&run_ids="
                + b
                + "&metric_key=loss&max_results=5");
    assertThat(steps(all, a)).containsExactly(0L, 2L, 4L, 6L, 8L, 9L);
    assertThat(steps(all, b)).containsExactly(0L, 2L, 4L, 20L);
    assertThat(all.path("metrics").get(0).path("run_id").asString()).isEqualTo(a);
    assertThat(all.path("metrics").get(0).path("key").asString()).isEqualTo("loss");
    assertThat(all.path("metrics").get(1).path("value").asDouble()).isEqualTo(2.0);

    // steps 2..8 of 0..9, 20: indexes 2..8, 2 sampled (2, 5) and the range's last (8); no run's
    // first or last step is inside the range
    JsonNode range =
        get(
            "metrics/get-history-bulk-interval?run_ids="
                + a
                + "&run_ids="
                + b
                + "&metric_key=loss&max_results=2&start_step=2&end_step=8");
    assertThat(steps(range, a)).containsExactly(2L, 5L, 8L);
    assertThat(steps(range, b)).containsExactly(2L);

    // the whole history of several runs, run by run
    JsonNode bulk =
        get("metrics/get-history-bulk?run_id=" + b + "&run_id=" + a + "&metric_key=loss");
    assertThat(bulk.path("metrics")).hasSize(16);
    assertThat(bulk.path("metrics").get(0).path("run_id").asString()).isEqualTo(a);

    String both = "metrics/get-history-bulk-interval?run_ids=" + a + "&metric_key=loss";
    assertError(
        send("GET", "/api/2.0/mlflow/" + both + "&start_step=1", null),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send("GET", "/api/2.0/mlflow/" + both + "&start_step=5&end_step=1", null),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send("GET", "/api/2.0/mlflow/" + both + "&max_results=2501", null),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?metric_key=loss", null),
        400,
        "INVALID_PARAMETER_VALUE");
    assertError(
        send("GET", "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=" + a, null),
        400,
        "INVALID_PARAMETER_VALUE");
    StringBuilder many = new StringBuilder("metrics/get-history-bulk-interval?metric_key=loss");
    for (int i = 0; i < 101; i++) {
      many.append("&run_ids=").append(a);
    }
    assertError(send("GET", "/api/2.0/mlflow/" + many, null), 400, "INVALID_PARAMETER_VALUE");
    assertError(
        send(
            "GET",
            "/api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=987654&metric_key=loss",
            null),
        404,
        "RESOURCE_DOES_NOT_EXIST");
  }

  @Test
  void unknown_mlflow_paths_answer_endpoint_not_found() throws Exception {
    assertError(
        send("GET", "/api/2.0/mlflow/logged-models/search", null), 404, "ENDPOINT_NOT_FOUND");
    assertError(send("GET", "/ajax-api/2.0/mlflow/no/such/thing", null), 404, "ENDPOINT_NOT_FOUND");
    // a browser-path write without the UI's CSRF token is refused first, in MLflow's shape too
    assertError(send("POST", "/ajax-api/2.0/mlflow/no/such/thing", "{}"), 403, "PERMISSION_DENIED");
    assertError(
        send("POST", "/api/2.0/mlflow-artifacts/mpu/create", "{}"), 404, "ENDPOINT_NOT_FOUND");
    // elsewhere, problem details as before
    HttpResponse<String> native_ = send("GET", "/api/v1/no-such-thing", null);
    assertThat(native_.statusCode()).isEqualTo(404);
    assertThat(native_.headers().firstValue("Content-Type").orElse(""))
        .contains("application/problem+json");
  }

  @Test
  void compare_takes_mlflow_runs_beside_built_in_trials() throws Exception {
    String a = newRun("compare-runs");
    String b = runBeside(a, "{\"run_name\": \"fold-b\"}");
    post(
        "runs/log-batch",
        ("{\"run_id\": \"%s\", \"params\": [{\"key\": \"alpha\", \"value\": \"0.5\"},"
                + " {\"key\": \"l1_ratio\", \"value\": \"0.1\"}]}")
            .formatted(a));
    post(
        "runs/log-batch",
        ("{\"run_id\": \"%s\", \"params\": [{\"key\": \"alpha\", \"value\": \"0.9\"},"
                + " {\"key\": \"l1_ratio\", \"value\": \"0.1\"}]}")
            .formatted(b));
    logSteps(a, "rmse", 0, 1, 2);
    logSteps(b, "rmse", 0, 1);
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(
                    BodyPublishers.ofString(
                        "name: compare-builtin\nconfig: {model: mlp, epochs: 1}\n"))
                .build(),
            BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isBetween(200, 201);
    long builtin = JSON.readTree(created.body()).path("trials").get(0).path("id").asLong();

    HttpResponse<String> response =
        send(
            "GET",
            "/api/v1/compare?trials=" + a + "," + b + "&trial=" + builtin + "&trial=999999",
            null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode comparison = JSON.readTree(response.body());
    JsonNode trials = comparison.path("trials");
    assertThat(trials).hasSize(3);
    assertThat(trials.get(0).path("kind").asString()).isEqualTo("external");
    assertThat(trials.get(1).path("label").asString()).contains("fold-b");
    assertThat(trials.get(2).path("kind").asString()).isEqualTo("builtin");
    assertThat(trials.get(0).path("config").path("alpha").asString()).isEqualTo("0.5");
    // rmse: the latest (step 2: 2.0, step 1: 1.0); lower is better, so run b is best
    JsonNode rmse = null;
    for (JsonNode row : comparison.path("metrics")) {
      if (row.path("key").asString().equals("rmse")) {
        rmse = row;
      }
    }
    assertThat(rmse).isNotNull();
    assertThat(rmse.path("values").get(0).asString()).isEqualTo("2.0000");
    assertThat(rmse.path("best").asInt()).isEqualTo(1);
    java.util.Map<String, Boolean> differs = new java.util.HashMap<>();
    comparison
        .path("config")
        .forEach(row -> differs.put(row.path("field").asString(), row.path("differs").asBoolean()));
    assertThat(differs).containsEntry("alpha", true).containsKey("model");
    assertThat(comparison.path("missing")).hasSize(1);
    assertThat(comparison.path("missing").get(0).asLong()).isEqualTo(999999L);

    HttpResponse<String> page = send("GET", "/compare?trials=" + a + "," + b + "," + builtin, null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains("fold-b", "compare-builtin #", "alpha", "\"kind\":\"external\"");
  }

  /**
   * A run whose loss diverged (NaN) or blew up (Infinity) shows that value in the comparison, as
   * its own page and the runs table do; it showed "–", the mark of a metric never logged.
   */
  @Test
  void compare_shows_a_diverged_runs_nan_and_infinity_not_a_dash() throws Exception {
    String diverged = newRun("compare-nan");
    String fine = runBeside(diverged, "{\"run_name\": \"fine\"}");
    post(
        "runs/log-batch",
        ("{\"run_id\": \"%s\", \"metrics\": [{\"key\": \"loss\", \"value\": \"NaN\","
                + " \"timestamp\": 1, \"step\": 0}, {\"key\": \"grad_norm\", \"value\":"
                + " \"Infinity\", \"timestamp\": 1, \"step\": 0}]}")
            .formatted(diverged));
    post(
        "runs/log-batch",
        ("{\"run_id\": \"%s\", \"metrics\": [{\"key\": \"loss\", \"value\": 0.5,"
                + " \"timestamp\": 1, \"step\": 0}, {\"key\": \"grad_norm\", \"value\": 2,"
                + " \"timestamp\": 1, \"step\": 0}]}")
            .formatted(fine));

    HttpResponse<String> response =
        send("GET", "/api/v1/compare?trials=" + diverged + "," + fine, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    Map<String, List<String>> values = new java.util.HashMap<>();
    for (JsonNode row : JSON.readTree(response.body()).path("metrics")) {
      List<String> shown = new java.util.ArrayList<>();
      row.path("values").forEach(v -> shown.add(v.asString()));
      values.put(row.path("key").asString(), shown);
    }
    assertThat(values.get("loss")).containsExactly("NaN", "0.5000");
    assertThat(values.get("grad_norm")).containsExactly("Infinity", "2.0000");
  }

  private void logSteps(String runId, String key, long... steps) throws Exception {
    StringBuilder metrics = new StringBuilder();
    for (long step : steps) {
      metrics
          .append(metrics.isEmpty() ? "" : ", ")
          .append("{\"key\": \"")
          .append(key)
          .append("\", \"value\": ")
          .append((double) step)
          .append(", \"timestamp\": \"")
          .append(1_700_000_000_000L + step)
          .append("\", \"step\": \"")
          .append(step)
          .append("\"}");
    }
    post("runs/log-batch", "{\"run_id\": \"" + runId + "\", \"metrics\": [" + metrics + "]}");
  }

  private static List<Long> steps(JsonNode answer, String runId) {
    List<Long> steps = new ArrayList<>();
    for (JsonNode point : answer.path("metrics")) {
      if (point.path("run_id").asString().equals(runId)) {
        steps.add(point.path("step").asLong());
      }
    }
    return steps;
  }

  /** A new run in {@code runId}'s experiment, with the fields of {@code json} (an object). */
  private String runBeside(String runId, String json) throws Exception {
    String experimentId =
        get("runs/get?run_id=" + runId).path("run").path("info").path("experiment_id").asString();
    tools.jackson.databind.node.ObjectNode fields =
        (tools.jackson.databind.node.ObjectNode) JSON.readTree(json);
    fields.put("experiment_id", experimentId);
    return post("runs/create", fields.toString())
        .path("run")
        .path("info")
        .path("run_id")
        .asString();
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
