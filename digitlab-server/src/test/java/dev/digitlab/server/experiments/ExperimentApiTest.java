package dev.digitlab.server.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.testing.OpenServerTest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The experiments API over real HTTP, on an H2 file in a temporary data home. */
class ExperimentApiTest extends OpenServerTest {

  private static final String GRID =
      """
      name: lr-and-batch
      dataset: mnist
      config: {model: mlp, epochs: 1, optimizer: adam, trainSubset: 2000, seed: 1}
      search:
        type: grid
        parameters:
          learningRate: [0.01, 0.003, 0.001]
          batchSize: [64, 128]
      objective: {metric: test_f1_macro, goal: max}
      """;

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;

  @Test
  void the_grid_example_creates_six_queued_trials() throws Exception {
    String example = Files.readString(Path.of("../examples/grid-lr-batch.yaml"));

    HttpResponse<String> response = post(example, "application/yaml");

    assertThat(response.statusCode()).isEqualTo(201);
    JsonNode body = json.readTree(response.body());
    long id = body.get("id").asLong();
    assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/experiments/" + id);
    assertThat(body.get("name").asString()).isEqualTo("lr-and-batch");
    assertThat(body.get("status").asString()).isEqualTo("queued");
    assertThat(body.get("trialCounts").get("queued").asInt()).isEqualTo(6);
    List<JsonNode> trials = StreamSupport.stream(body.get("trials").spliterator(), false).toList();
    assertThat(trials).hasSize(6);
    assertThat(trials).allSatisfy(t -> assertThat(t.get("status").asString()).isEqualTo("queued"));
    assertThat(trials)
        .extracting(
            t -> t.get("config").get("learningRate").asDouble(),
            t -> t.get("config").get("batchSize").asInt())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0.01, 64),
            org.assertj.core.groups.Tuple.tuple(0.01, 128),
            org.assertj.core.groups.Tuple.tuple(0.003, 64),
            org.assertj.core.groups.Tuple.tuple(0.003, 128),
            org.assertj.core.groups.Tuple.tuple(0.001, 64),
            org.assertj.core.groups.Tuple.tuple(0.001, 128));

    JsonNode shown = json.readTree(get("/api/v1/experiments/" + id).body());
    assertThat(shown.get("trials")).hasSize(6);
    assertThat(shown.get("spec").get("search").get("type").asString()).isEqualTo("grid");
    long trialId = trials.get(0).get("id").asLong();
    HttpResponse<String> trial = get("/api/v1/trials/" + trialId);
    assertThat(trial.statusCode()).isEqualTo(200);
    assertThat(json.readTree(trial.body()).get("experimentId").asLong()).isEqualTo(id);
  }

  @Test
  void a_json_body_is_read_as_json() throws Exception {
    HttpResponse<String> response =
        post(
            """
            {"name": "json-one", "config": {"model": "mlp", "epochs": 1}}
            """,
            "application/json");

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(json.readTree(response.body()).get("trialCounts").get("total").asInt()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
          unknown optimizer      | 'name: x\nconfig: {optimizer: adamx}'                                                        | config.optimizer
          negative learning rate | 'name: x\nsearch: {type: grid, parameters: {learningRate: [0.01, -0.5]}}'                  | search.parameters.learningRate[1]
          empty grid             | 'name: x\nsearch: {type: grid, parameters: {batchSize: []}}'                               | search.parameters.batchSize
          over the cap           | 'name: x\nsearch: {type: grid, parameters: {seed: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17], batchSize: [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]}}' | search
          unknown field          | 'name: x\nlearningRat: 0.1'                                                                  | learningRat
          malformed YAML         | 'name: [x\nconfig: {'                                                                        | ''
          tpe without a budget   | 'name: x\nsearch: {type: tpe, parameters: {learningRate: {min: 1.0e-4, max: 0.1, scale: log}}}' | search.maxTrials
          tpe parallelism 0      | 'name: x\nsearch: {type: tpe, maxTrials: 8, parallelism: 0, parameters: {dropout: {min: 0, max: 0.5}}}' | search.parallelism
          val metric, no split   | 'name: x\nsearch: {type: tpe, maxTrials: 8, parameters: {dropout: {min: 0, max: 0.5}}}\npruner: {type: median, metric: val_accuracy}' | pruner.metric
          unknown pruner         | 'name: x\npruner: {type: halving, metric: epoch_train_loss}'                                 | pruner.type
          reduction factor 1     | 'name: x\npruner: {type: asha, metric: epoch_train_accuracy, reductionFactor: 1}'            | pruner.reductionFactor
          negative bootstrap     | 'name: x\npruner: {type: asha, metric: epoch_train_accuracy, bootstrapCount: -1}'            | pruner.bootstrapCount
          bootstrap for median   | 'name: x\npruner: {type: median, metric: epoch_train_accuracy, bootstrapCount: 2}'           | pruner.bootstrapCount
          """)
  void an_invalid_experiment_gets_problem_details_naming_the_field_and_stores_nothing(
      String problem, String document, String path) throws Exception {
    long before = experimentCount();

    HttpResponse<String> response = post(document.replace("\\n", "\n"), "application/yaml");

    assertThat(response.statusCode()).as(problem).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode body = json.readTree(response.body());
    assertThat(body.get("status").asInt()).isEqualTo(400);
    assertThat(body.get("errors")).isNotEmpty();
    assertThat(StreamSupport.stream(body.get("errors").spliterator(), false))
        .extracting(e -> e.get("path").asString())
        .as(response.body())
        .contains(path == null ? "" : path);
    assertThat(response.body()).doesNotContain("Exception", "\tat ");
    assertThat(experimentCount()).isEqualTo(before);
  }

  @Test
  void a_tpe_search_with_a_pruner_is_accepted_as_json_and_reads_back_with_its_fields()
      throws Exception {
    HttpResponse<String> response =
        post(
            """
            {"name": "tpe-asha-json",
             "config": {"model": "mlp", "epochs": 4, "validationRatio": 0.1},
             "maxParallelTrials": 2,
             "search": {"type": "tpe", "maxTrials": 6, "parallelism": 2, "timeout": "1h",
                        "nStartupTrials": 3, "seed": 4,
                        "parameters": {"learningRate": {"min": 1.0e-4, "max": 0.1, "scale": "log"},
                                       "batchSize": [32, 64]}},
             "pruner": {"type": "asha", "metric": "val_accuracy", "minEpochs": 1,
                        "reductionFactor": 3, "bootstrapCount": 2}}
            """,
            "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode created = json.readTree(response.body());
    // The search suggests its first trials as it is stored: as many as its parallelism.
    assertThat(created.get("trials")).hasSize(2);
    JsonNode spec =
        json.readTree(get("/api/v1/experiments/" + created.get("id").asLong()).body()).get("spec");
    assertThat(spec.at("/search/maxTrials").asInt()).isEqualTo(6);
    assertThat(spec.at("/search/parallelism").asInt()).isEqualTo(2);
    assertThat(spec.at("/search/nStartupTrials").asInt()).isEqualTo(3);
    assertThat(spec.at("/pruner/type").asString()).isEqualTo("asha");
    assertThat(spec.at("/pruner/metric").asString()).isEqualTo("val_accuracy");
    assertThat(spec.at("/pruner/reductionFactor").asInt()).isEqualTo(3);
    assertThat(spec.at("/pruner/bootstrapCount").asInt()).isEqualTo(2);
  }

  @Test
  void a_body_past_the_size_limit_is_refused_without_being_stored() throws Exception {
    long before = experimentCount();
    String huge = "name: big\ndescription: '" + "x".repeat(2 << 20) + "'\n";

    HttpResponse<String> response = post(huge, "application/yaml");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(experimentCount()).isEqualTo(before);
  }

  @Test
  void another_content_type_is_refused_with_415() throws Exception {
    HttpResponse<String> response = post("name: x", "application/xml");

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
  }

  @Test
  void the_list_is_sorted_and_filtered_as_asked() throws Exception {
    String tag = "sort-" + System.nanoTime();
    List<Long> ids = new ArrayList<>();
    for (String name : List.of("bravo", "alpha", "charlie")) {
      HttpResponse<String> created = post("name: " + name + "\ntags: [" + tag + "]\n", "text/yaml");
      ids.add(json.readTree(created.body()).get("id").asLong());
    }

    JsonNode byName =
        json.readTree(get("/api/v1/experiments?tag=" + tag + "&sort=name&order=asc").body());
    JsonNode newest = json.readTree(get("/api/v1/experiments?tag=" + tag).body());
    JsonNode secondPage =
        json.readTree(get("/api/v1/experiments?tag=" + tag + "&sort=name&page=1&size=2").body());

    assertThat(names(byName)).containsExactly("alpha", "bravo", "charlie");
    assertThat(byName.get("items").get(0).get("trialCounts").get("queued").asInt()).isEqualTo(1);
    assertThat(byName.get("total").asLong()).isEqualTo(3);
    assertThat(ids(newest)).containsExactly(ids.get(2), ids.get(1), ids.get(0));
    assertThat(names(secondPage)).containsExactly("alpha");
    assertThat(names(json.readTree(get("/api/v1/experiments?tag=" + tag + "&q=RAV").body())))
        .containsExactly("bravo");
  }

  @Test
  void a_bad_list_parameter_gets_problem_details_naming_it() throws Exception {
    HttpResponse<String> response = get("/api/v1/experiments?sort=colour");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json.readTree(response.body()).get("errors").get(0).get("path").asString())
        .isEqualTo("sort");
    assertThat(get("/api/v1/experiments?size=0").statusCode()).isEqualTo(400);
    assertThat(get("/api/v1/experiments?page=x").statusCode()).isEqualTo(400);
  }

  @Test
  void delete_removes_the_experiment_its_trials_and_their_files() throws Exception {
    JsonNode created = json.readTree(post(GRID, "application/yaml").body());
    long id = created.get("id").asLong();
    long trialId = created.get("trials").get(0).get("id").asLong();
    Path attempt = Files.createDirectories(home.resolve("trials/" + trialId + "/attempt-1"));
    Files.writeString(attempt.resolve("checkpoint.ckpt"), "weights");

    HttpResponse<String> deleted = send(request("/api/v1/experiments/" + id).DELETE());

    assertThat(deleted.statusCode()).isEqualTo(204);
    assertThat(get("/api/v1/experiments/" + id).statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/trials/" + trialId).statusCode()).isEqualTo(404);
    assertThat(home.resolve("trials/" + trialId)).doesNotExist();
    assertThat(send(request("/api/v1/experiments/" + id).DELETE()).statusCode()).isEqualTo(404);
  }

  /**
   * A subset larger than the dataset trained on every image without a word; refused as {@code
   * digitlab train --train-subset} is, naming the field and the dataset's size, nothing stored.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "config: {model: mlp, epochs: 1, trainSubset: 100000}|config.trainSubset|100000",
        "config: {model: mlp, epochs: 1}\\nsearch: {type: grid, parameters: {trainSubset: [600,"
            + " 70000]}}|search.parameters.trainSubset|70000"
      })
  void a_train_subset_larger_than_the_dataset_is_refused_naming_its_size(
      String rest, String field, String asked) throws Exception {
    String name = "too-large-subset-" + asked;
    HttpResponse<String> response =
        post("name: " + name + "\n" + rest.replace("\\n", "\n") + "\n", "application/yaml");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = json.readTree(response.body()).get("errors").get(0);
    assertThat(error.get("path").asString()).isEqualTo(field);
    assertThat(error.get("message").asString())
        .isEqualTo(
            asked
                + " is more than the 60000 training images of mnist: give at most 60000, or 0 for"
                + " all of them");
    assertThat(json.readTree(get("/api/v1/experiments?q=" + name).body()).get("total").asLong())
        .isZero();
  }

  @Test
  void cancel_cancels_every_queued_trial() throws Exception {
    long id = json.readTree(post(GRID, "application/yaml").body()).get("id").asLong();

    HttpResponse<String> response =
        send(request("/api/v1/experiments/" + id + "/cancel").POST(BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = json.readTree(response.body());
    assertThat(body.get("status").asString()).isEqualTo("cancelled");
    assertThat(body.get("trialCounts").get("cancelled").asInt()).isEqualTo(6);
  }

  /**
   * Cancelling an MLflow experiment marked it cancelled while its runs kept running and logging
   * into it still worked: nothing of ours runs them. It is a 409 problem, as for one of its runs.
   */
  @Test
  void an_mlflow_experiment_is_not_cancelled_from_here() throws Exception {
    String experimentId =
        json.readTree(mlflow("experiments/create", "{\"name\": \"api-cancel-mlflow\"}").body())
            .path("experiment_id")
            .asString();
    String runId =
        json.readTree(mlflow("runs/create", "{\"experiment_id\": \"" + experimentId + "\"}").body())
            .path("run")
            .path("info")
            .path("run_id")
            .asString();

    HttpResponse<String> response =
        send(
            request("/api/v1/experiments/" + experimentId + "/cancel")
                .POST(BodyPublishers.noBody()));

    assertThat(response.statusCode()).isEqualTo(409);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(json.readTree(response.body()).path("detail").asString())
        .contains("MLflow API")
        .contains("end");
    JsonNode experiment = json.readTree(get("/api/v1/experiments/" + experimentId).body());
    assertThat(experiment.path("status").asString()).isEqualTo("running");
    assertThat(
            mlflow(
                    "runs/log-metric",
                    "{\"run_id\": \"%s\", \"key\": \"loss\", \"value\": 1, \"timestamp\": 1}"
                        .formatted(runId))
                .statusCode())
        .isEqualTo(200);
  }

  private HttpResponse<String> mlflow(String path, String body)
      throws IOException, InterruptedException {
    return send(
        request("/api/2.0/mlflow/" + path)
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(body)));
  }

  @Test
  void unknown_ids_get_404_problem_details() throws Exception {
    HttpResponse<String> response = get("/api/v1/experiments/987654");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json.readTree(response.body()).get("detail").asString())
        .isEqualTo("There is no experiment with id 987654.");
    assertThat(get("/api/v1/trials/987654").statusCode()).isEqualTo(404);
    assertThat(
            send(request("/api/v1/experiments/987654/cancel").POST(BodyPublishers.noBody()))
                .statusCode())
        .isEqualTo(404);
    assertThat(get("/api/v1/experiments/not-a-number").statusCode()).isEqualTo(400);
  }

  @Test
  void the_report_of_a_queued_experiment_lists_its_trials_and_says_nothing_ran_yet()
      throws Exception {
    long id = json.readTree(post(GRID, "application/yaml").body()).get("id").asLong();

    HttpResponse<String> response =
        send(request("/api/v1/experiments/" + id + "/report").header("Accept", "text/html"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
    String html = response.body();
    assertThat(html)
        .contains("Experiment " + id + ": lr-and-batch")
        .contains("id=\"experiment-status\" class=\"queued\">queued<")
        .contains("<dd id=\"best\">none yet</dd>")
        .contains("<td>learningRate</td><td>[0.01,0.003,0.001]</td>")
        .contains("<td>batchSize</td><td>[64,128]</td>")
        .contains("<td>learningRate</td><td>0.001 <small>(searched, see below)</small></td>")
        .contains("<td>optimizer</td><td>adam</td>")
        .contains("No trial has reported a learning curve yet.")
        .doesNotContain("id=\"best-trial\"");
    assertThat(html.split("data-trial=\"", -1)).hasSize(7);
  }

  @Test
  void the_report_of_an_unknown_experiment_is_404_problem_details() throws Exception {
    HttpResponse<String> response =
        send(request("/api/v1/experiments/987654/report").header("Accept", "text/html"));

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json.readTree(response.body()).get("detail").asString())
        .isEqualTo("There is no experiment with id 987654.");
  }

  @Test
  void health_prometheus_and_openapi_answer() throws Exception {
    post(GRID, "application/yaml");

    assertThat(get("/actuator/health").body()).contains("\"UP\"");
    assertThat(get("/actuator/health/liveness").statusCode()).isEqualTo(200);
    assertThat(get("/actuator/health/readiness").statusCode()).isEqualTo(200);
    String metrics = get("/actuator/prometheus").body();
    assertThat(metrics)
        .contains(
            "digitlab_queue_depth",
            "digitlab_trials{status=\"queued\"}",
            "digitlab_training_images_per_second");
    HttpResponse<String> docs = get("/v3/api-docs");
    assertThat(docs.statusCode()).isEqualTo(200);
    assertThat(docs.body()).contains("/api/v1/experiments");
    assertThat(get("/swagger-ui/index.html").statusCode()).isEqualTo(200);
  }

  private long experimentCount() {
    return experiments.list(ExperimentQuery.newestFirst()).total();
  }

  private static List<String> names(JsonNode page) {
    return IntStream.range(0, page.get("items").size())
        .mapToObj(i -> page.get("items").get(i).get("name").asString())
        .toList();
  }

  private static List<Long> ids(JsonNode page) {
    return IntStream.range(0, page.get("items").size())
        .mapToObj(i -> page.get("items").get(i).get("id").asLong())
        .toList();
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path));
  }

  @ParameterizedTest
  @CsvSource({
    "created",
    "updated",
    "name",
    "best_objective",
    "bestObjective",
    "best_test_accuracy",
    "bestTestAccuracy",
    "best_test_f1_macro",
    "bestTestF1Macro",
    "total_train_seconds",
    "totalTrainSeconds",
    "status",
    "trials_done",
    "trialsDone"
  })
  void every_documented_sort_is_accepted_in_snake_case_and_camel_case(String sort)
      throws Exception {
    assertThat(get("/api/v1/experiments?sort=" + sort).statusCode()).isEqualTo(200);
  }

  @Test
  void a_clone_with_edits_is_a_new_experiment_with_the_edits_merged_over_the_spec()
      throws Exception {
    long source = json.readTree(post(GRID, "application/yaml").body()).get("id").asLong();

    HttpResponse<String> response =
        clone(
            source,
            "{\"name\": \"lr-and-batch-2\", \"config\": {\"epochs\": 2}}",
            "application/json");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode cloned = json.readTree(response.body());
    long id = cloned.get("id").asLong();
    assertThat(id).isNotEqualTo(source);
    assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/experiments/" + id);
    assertThat(cloned.get("name").asString()).isEqualTo("lr-and-batch-2");
    assertThat(cloned.get("status").asString()).isEqualTo("queued");
    assertThat(cloned.get("trials")).hasSize(6);
    assertThat(cloned.get("trials"))
        .allSatisfy(
            t -> {
              assertThat(t.get("config").get("epochs").asInt()).isEqualTo(2);
              assertThat(t.get("config").get("trainSubset").asInt()).isEqualTo(2000);
            });
    assertThat(cloned.get("spec").get("objective").get("metric").asString())
        .isEqualTo("test_f1_macro");
    JsonNode original = json.readTree(get("/api/v1/experiments/" + source).body());
    assertThat(original.get("name").asString()).isEqualTo("lr-and-batch");
    assertThat(original.get("trials").get(0).get("config").get("epochs").asInt()).isEqualTo(1);
  }

  @Test
  void a_yaml_edit_replaces_one_searched_list_and_keeps_the_others() throws Exception {
    long source = json.readTree(post(GRID, "application/yaml").body()).get("id").asLong();

    HttpResponse<String> response =
        clone(source, "search:\n  parameters:\n    learningRate: [0.1]\n", "application/yaml");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    assertThat(json.readTree(response.body()).get("trials"))
        .extracting(
            t -> t.get("config").get("learningRate").asDouble(),
            t -> t.get("config").get("batchSize").asInt())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0.1, 64),
            org.assertj.core.groups.Tuple.tuple(0.1, 128));
  }

  @Test
  void a_clone_without_a_body_is_the_same_experiment_again() throws Exception {
    long source = json.readTree(post(GRID, "application/yaml").body()).get("id").asLong();

    HttpResponse<String> response =
        send(request("/api/v1/experiments/" + source + "/clone").POST(BodyPublishers.noBody()));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    JsonNode cloned = json.readTree(response.body());
    assertThat(cloned.get("name").asString()).isEqualTo("lr-and-batch");
    assertThat(cloned.get("spec"))
        .isEqualTo(json.readTree(get("/api/v1/experiments/" + source).body()).get("spec"));
  }

  @Test
  void an_invalid_clone_is_refused_naming_the_bad_fields_and_nothing_is_stored() throws Exception {
    long source = json.readTree(post(GRID, "application/yaml").body()).get("id").asLong();
    long before = experimentCount();

    HttpResponse<String> badField =
        clone(
            source,
            "config: {optimizer: adamx}\nsearch: {parameters: {batchSize: []}}\n",
            "application/yaml");
    HttpResponse<String> notAnObject = clone(source, "- epochs", "application/yaml");
    HttpResponse<String> malformed = clone(source, "{\"config\": ", "application/json");

    assertThat(badField.statusCode()).isEqualTo(400);
    assertThat(
            StreamSupport.stream(json.readTree(badField.body()).get("errors").spliterator(), false))
        .extracting(e -> e.get("path").asString())
        .contains("config.optimizer", "search.parameters.batchSize");
    assertThat(notAnObject.statusCode()).isEqualTo(400);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(experimentCount()).isEqualTo(before);
    assertThat(clone(999_999, "{}", "application/json").statusCode()).isEqualTo(404);
  }

  private HttpResponse<String> clone(long id, String edits, String contentType)
      throws IOException, InterruptedException {
    return send(
        request("/api/v1/experiments/" + id + "/clone")
            .header("Content-Type", contentType)
            .POST(BodyPublishers.ofString(edits)));
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(request(path).GET());
  }

  private HttpResponse<String> post(String body, String contentType)
      throws IOException, InterruptedException {
    return send(
        request("/api/v1/experiments")
            .header("Content-Type", contentType)
            .POST(BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request)
      throws IOException, InterruptedException {
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
