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
import java.util.concurrent.CompletableFuture;
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
 * embedded worker of a server on H2), with one trial's model registered and promoted, is exported
 * and imported into a second, fresh server on PostgreSQL with its own data home; the experiment,
 * the compare API, the trials' curves (times included), logs, reports, model and checkpoint files,
 * and the registered version (with its alias, description and files) answer the same on both. The
 * first import is two requests at the same moment: one stores the file, the other gets a 409 naming
 * it; importing again later stores nothing either.
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
    properties.add("digitlab.commands.allowed", () -> "true"); // the pipeline's command step
  }

  private static final String EXPERIMENT =
      """
      {"name": "moving-house", "dataset": "mnist",
       "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.003,
                  "trainSubset": 1000, "seed": 7},
       "search": {"type": "grid", "parameters": {"batchSize": [64, 128]}},
       "objective": {"metric": "test_accuracy", "goal": "max"}}
      """;

  /**
   * A pipeline of one command step: generic rows and a log, and the step's command trial (its
   * parameter, metric, log and output file).
   */
  private static final String PIPELINE =
      """
      {"name": "moving-pipeline", "steps": [
        {"name": "hello", "type": "command",
         "parameters": {"executable": "sh",
           "args": ["-c", "echo hi; echo metric x=2 step=5; echo carried > $DIGITLAB_OUTPUT_DIR/note.txt"],
           "greeting": "hello"}}]}
      """;

  /**
   * A command experiment of two trials: a shell program that reports metrics with steps, writes log
   * lines on both streams and leaves two output files (one in a subfolder).
   */
  private static final String PROGRAM =
      """
      echo "metric loss=0.9 step=1"
      echo "metric loss=0.4 step=2"
      echo "metric score=$1"
      echo "training with alpha $1"
      echo "a warning" >&2
      mkdir -p "$DIGITLAB_OUTPUT_DIR/plots"
      printf 'alpha,prediction\n%s,7\n' "$1" > "$DIGITLAB_OUTPUT_DIR/predictions.csv"
      head -c 3000 /dev/urandom > "$DIGITLAB_OUTPUT_DIR/plots/weights.bin"
      """;

  private static final String COMMAND_EXPERIMENT =
      """
      name: moving-program
      command: [sh, run.sh, "{alpha}"]
      code: sha256:%s
      search: {type: grid, parameters: {alpha: [0.25, 0.75]}}
      objective: {metric: score, goal: max}
      """;

  @TempDir static Path work;

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
    long registeredTrial = trialIds(get(here + "/api/v1/experiments/" + id)).get(1);
    HttpResponse<String> registered =
        post(
            here + "/api/v1/models/moving-digits/versions",
            ("{\"trialId\": " + registeredTrial + ", \"description\": \"the bigger batch\"}")
                .getBytes());
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    HttpResponse<String> promoted =
        send(
            HttpRequest.newBuilder(
                    URI.create(here + "/api/v1/models/moving-digits/aliases/production"))
                .header("Content-Type", "application/json")
                .PUT(BodyPublishers.ofString("{\"version\": 1}"))
                .build());
    assertThat(promoted.statusCode()).as(promoted.body()).isEqualTo(200);
    byte[] code = packedProgram();
    HttpResponse<String> uploaded =
        send(
            HttpRequest.newBuilder(URI.create(here + "/api/v1/code"))
                .header("Content-Type", "application/gzip")
                .POST(BodyPublishers.ofByteArray(code))
                .build());
    assertThat(uploaded.statusCode()).as(uploaded.body()).isEqualTo(201);
    String codeSha = Json.mapper().readTree(uploaded.body()).get("sha256").asString();
    HttpResponse<String> program =
        send(
            HttpRequest.newBuilder(URI.create(here + "/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(BodyPublishers.ofString(COMMAND_EXPERIMENT.formatted(codeSha)))
                .build());
    assertThat(program.statusCode()).as(program.body()).isEqualTo(201);
    long programId = Json.mapper().readTree(program.body()).get("id").asLong();
    Experiment programDone =
        Waiting.until(
            () -> experiments.find(programId).orElseThrow(),
            e -> e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED,
            Duration.ofMinutes(3),
            "command experiment " + programId + " finishing");
    assertThat(programDone.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    byte[] programFile = bytes(here + "/api/v1/experiments/" + programId + "/export");
    HttpResponse<String> pipeline = post(here + "/api/v1/pipelines", PIPELINE.getBytes());
    assertThat(pipeline.statusCode()).as(pipeline.body()).isEqualTo(201);
    long run = Json.mapper().readTree(pipeline.body()).get("id").asLong();
    JsonNode ran =
        Waiting.until(
            () -> {
              try {
                return get(here + "/api/v1/pipelines/" + run);
              } catch (Exception e) {
                throw new IllegalStateException(e);
              }
            },
            r -> !r.path("status").asString().equals("running"),
            Duration.ofMinutes(2),
            "pipeline run " + run + " ending");
    assertThat(ran.path("status").asString()).isEqualTo("succeeded");
    byte[] pipelineFile = bytes(here + "/api/v1/pipelines/" + run + "/export");
    assertThat(Archives.entries(pipelineFile))
        .containsKeys(
            "experiments/hello/experiment.json",
            "experiments/hello/trials/0/trial.json",
            "experiments/hello/trials/0/events.json",
            "experiments/hello/trials/0/attempt-1/outputs/note.txt");
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
      // Two imports of the same file at the same moment: one stores it, the other is refused.
      CompletableFuture<HttpResponse<String>> first =
          http.sendAsync(importRequest(there, file), BodyHandlers.ofString());
      CompletableFuture<HttpResponse<String>> second =
          http.sendAsync(importRequest(there, file), BodyHandlers.ofString());
      List<HttpResponse<String>> both = List.of(first.get(), second.get());
      assertThat(both)
          .extracting(HttpResponse::statusCode)
          .as(both.get(0).body() + " / " + both.get(1).body())
          .containsExactlyInAnyOrder(201, 409);
      HttpResponse<String> imported = both.get(0).statusCode() == 201 ? both.get(0) : both.get(1);
      HttpResponse<String> loser = both.get(0).statusCode() == 201 ? both.get(1) : both.get(0);
      long copy = Json.mapper().readTree(imported.body()).get("id").asLong();
      assertThat(loser.body()).contains("as experiment " + copy);
      assertThat(countOf(get(there + "/api/v1/experiments"), "moving-house")).isEqualTo(1);

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
        // Every point equal, its time too: events keep the time they were stored at first.
        assertThat(get(b + "/metrics")).isEqualTo(get(a + "/metrics"));
        assertThat(get(b + "/metrics").toString()).contains("train_loss");
        assertThat(get(b + "/logs")).isEqualTo(get(a + "/logs"));
        assertThat(get(b + "/confusion-matrix")).isEqualTo(get(a + "/confusion-matrix"));
        assertThat(get(b + "/per-class")).isEqualTo(get(a + "/per-class"));
        for (String artifact : List.of("model", "checkpoint")) {
          byte[] there0 = bytes(b + "/artifacts/" + artifact);
          assertThat(there0)
              .as(artifact)
              .isNotEmpty()
              .isEqualTo(bytes(a + "/artifacts/" + artifact));
        }
      }

      // The registered version came along: a new version of the same model, linked to the
      // imported trial, with its description, alias and files.
      String modelHere = here + "/api/v1/models/moving-digits";
      String modelThere = there + "/api/v1/models/moving-digits";
      JsonNode versionHere = get(modelHere + "/versions/1");
      JsonNode versionThere = get(modelThere + "/versions/1");
      for (String field :
          List.of(
              "architecture",
              "config",
              "preprocessing",
              "artifactSha256",
              "testAccuracy",
              "testF1Macro",
              "metrics",
              "dataset",
              "datasetDigests",
              "description",
              "status")) {
        assertThat(versionThere.get(field)).as(field).isEqualTo(versionHere.get(field));
      }
      assertThat(versionThere.get("experimentId").asLong()).isEqualTo(copy);
      assertThat(versionThere.get("trialId").asLong()).isEqualTo(movedIds.get(1));
      assertThat(get(modelThere + "/aliases").toString()).contains("production");
      for (String format : List.of("dlm", "onnx")) {
        assertThat(bytes(modelThere + "/versions/1/download?format=" + format))
            .as(format)
            .isEqualTo(bytes(modelHere + "/versions/1/download?format=" + format));
      }

      HttpResponse<String> again = post(there + "/api/v1/experiments/import", file);
      assertThat(again.statusCode()).isEqualTo(409);
      assertThat(again.body()).contains("as experiment " + copy);
      assertThat(countOf(get(there + "/api/v1/experiments"), "moving-house")).isEqualTo(1);
      assertThat(get(modelThere + "/versions")).hasSize(1);

      // The copy re-exported and brought back to the server the experiment was made on: that
      // experiment (a 409 naming it), not a copy, unless a copy is asked for.
      byte[] back = bytes(there + "/api/v1/experiments/" + copy + "/export");
      int experimentsHere = get(here + "/api/v1/experiments").path("items").size();
      HttpResponse<String> home = post(here + "/api/v1/experiments/import", back);
      assertThat(home.statusCode()).as(home.body()).isEqualTo(409);
      assertThat(home.body()).contains("export of experiment " + id + " ");
      assertThat(get(here + "/api/v1/experiments").path("items").size()).isEqualTo(experimentsHere);

      commandExperimentReadsTheSame(here, there, other, programId, programFile, code, codeSha);

      // The pipeline run likewise: its steps (statuses, results, metrics), attempts and logs.
      HttpResponse<String> pipelineImported = importPipeline(there, pipelineFile, "");
      assertThat(pipelineImported.statusCode()).as(pipelineImported.body()).isEqualTo(201);
      long runCopy = Json.mapper().readTree(pipelineImported.body()).get("id").asLong();
      JsonNode runHere = get(here + "/api/v1/pipelines/" + run);
      JsonNode runThere = get(there + "/api/v1/pipelines/" + runCopy);
      for (String field :
          List.of("name", "status", "traceId", "createdAt", "finishedAt", "wallSeconds", "steps")) {
        assertThat(runThere.get(field)).as(field).isEqualTo(runHere.get(field));
      }
      // The command step's trial came along, as an experiment of its own that the step links:
      // the same command and parameters, metrics, logs and output file.
      JsonNode stepsHere = get(here + "/api/v1/pipelines/" + run + "/steps");
      JsonNode stepsThere = get(there + "/api/v1/pipelines/" + runCopy + "/steps");
      assertThat(withoutTrialLinks(stepsThere)).isEqualTo(withoutTrialLinks(stepsHere));
      long stepTrialHere = stepsHere.get(0).get("trialId").asLong();
      long stepTrialThere = stepsThere.get(0).get("trialId").asLong();
      JsonNode resultThere = stepsThere.get(0).get("result");
      assertThat(resultThere.get("trialId").asLong()).isEqualTo(stepTrialThere);
      long stepExperimentThere = resultThere.get("experimentId").asLong();
      assertThat(trialIds(get(there + "/api/v1/experiments/" + stepExperimentThere)))
          .containsExactly(stepTrialThere);
      assertThat(get(there + "/api/v1/experiments/" + stepExperimentThere).get("spec"))
          .isEqualTo(
              get(here
                      + "/api/v1/experiments/"
                      + stepsHere.get(0).get("result").get("experimentId").asLong())
                  .get("spec"));
      String a = here + "/api/v1/trials/" + stepTrialHere;
      String b = there + "/api/v1/trials/" + stepTrialThere;
      assertThat(get(b).get("config")).isEqualTo(get(a).get("config"));
      assertThat(get(b).get("config").toString()).contains("greeting");
      assertThat(get(b).get("status").asString()).isEqualTo("succeeded");
      assertThat(get(b + "/metrics")).isEqualTo(get(a + "/metrics"));
      assertThat(get(b + "/metrics").toString()).contains("\"x\"");
      assertThat(get(b + "/logs")).isEqualTo(get(a + "/logs"));
      assertThat(get(b + "/artifacts")).isEqualTo(get(a + "/artifacts"));
      assertThat(text(b + "/artifacts/note.txt")).isEqualTo("carried\n");
      assertThat(get(there + "/api/v1/pipelines/" + runCopy + "/steps").toString())
          .contains("\"x\"");
      assertThat(text(there + "/api/v1/pipelines/" + runCopy + "/steps/hello/logs"))
          .isEqualTo(text(here + "/api/v1/pipelines/" + run + "/steps/hello/logs"))
          .contains("hi");
      HttpResponse<String> pipelineAgain = importPipeline(there, pipelineFile, "");
      assertThat(pipelineAgain.statusCode()).isEqualTo(409);
      assertThat(pipelineAgain.body()).contains("as pipeline run " + runCopy);

      // The imported run re-exported and brought back to the server it was made on: that run (a
      // 409 naming it), as for an experiment, not a copy, unless a copy is asked for.
      byte[] runBack = bytes(there + "/api/v1/pipelines/" + runCopy + "/export");
      HttpResponse<String> runHome = importPipeline(here, runBack, "");
      assertThat(runHome.statusCode()).as(runHome.body()).isEqualTo(409);
      assertThat(runHome.body()).contains("export of pipeline run " + run + " ");
      assertThat(Json.mapper().readTree(Archives.entries(runBack).get("origin.json"))).hasSize(2);
      HttpResponse<String> runCopied = importPipeline(here, runBack, "?copy=true");
      assertThat(runCopied.statusCode()).as(runCopied.body()).isEqualTo(201);
    } finally {
      try (Connection connection = DriverManager.getConnection(postgres);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  private HttpResponse<String> importPipeline(String server, byte[] file, String query)
      throws Exception {
    return send(
        HttpRequest.newBuilder(URI.create(server + "/api/v1/pipelines/import" + query))
            .header("Content-Type", "application/gzip")
            .POST(BodyPublishers.ofByteArray(file))
            .build());
  }

  /**
   * The command experiment after import: its spec, each trial's metrics (every step), logs, the
   * artifacts the trial lists (sizes, digests, attempts) and the bytes of every output file, and
   * the code it runs, which the importing server now has; importing it again stores nothing.
   */
  private void commandExperimentReadsTheSame(
      String here,
      String there,
      ConfigurableApplicationContext other,
      long id,
      byte[] file,
      byte[] code,
      String codeSha)
      throws Exception {
    java.util.Map<String, byte[]> entries = Archives.entries(file);
    // Listed in the manifest with size and digest, as every entry.
    JsonNode manifest = Json.mapper().readTree(entries.get("manifest.json"));
    assertThat(manifest.findValuesAsString("path"))
        .contains(
            "code/" + codeSha + ".tar.gz",
            "trials/0/attempt-1/outputs/predictions.csv",
            "trials/0/attempt-1/outputs/plots.weights.bin");

    HttpResponse<String> imported = post(there + "/api/v1/experiments/import", file);
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    long copy = Json.mapper().readTree(imported.body()).get("id").asLong();
    JsonNode original = get(here + "/api/v1/experiments/" + id);
    JsonNode moved = get(there + "/api/v1/experiments/" + copy);
    for (String field : List.of("name", "spec", "status", "objective")) {
      assertThat(moved.get(field)).as(field).isEqualTo(original.get(field));
    }
    List<Long> originalIds = trialIds(original);
    List<Long> movedIds = trialIds(moved);
    assertThat(movedIds).hasSize(2);
    for (int i = 0; i < 2; i++) {
      String a = here + "/api/v1/trials/" + originalIds.get(i);
      String b = there + "/api/v1/trials/" + movedIds.get(i);
      assertThat(get(b + "/metrics")).isEqualTo(get(a + "/metrics"));
      assertThat(get(b + "/metrics").toString()).contains("loss").contains("score");
      assertThat(get(b + "/logs")).isEqualTo(get(a + "/logs"));
      assertThat(get(b + "/logs").toString()).contains("training with alpha").contains("a warning");
      JsonNode listed = get(b + "/artifacts");
      assertThat(listed).isEqualTo(get(a + "/artifacts"));
      assertThat(listed.findValuesAsString("name"))
          .contains("predictions.csv", "plots.weights.bin");
      for (JsonNode artifact : listed) {
        assertThat(artifact.get("available").asBoolean()).as(artifact.toString()).isTrue();
        byte[] bytes = bytes(b + "/artifacts/" + artifact.get("name").asString());
        assertThat(bytes)
            .as(artifact.get("name").asString())
            .isEqualTo(bytes(a + "/artifacts/" + artifact.get("name").asString()));
        assertThat(Digests.sha256(bytes)).isEqualTo(artifact.get("sha256").asString());
      }
    }
    // The code came along: the importing server has those bytes, and an upload of them finds
    // them stored already.
    assertThat(other.getBean(dev.digitlab.server.code.CodeStore.class).open(codeSha))
        .hasValueSatisfying(stored -> assertThat(stored).hasBinaryContent(code));
    HttpResponse<String> reupload =
        send(
            HttpRequest.newBuilder(URI.create(there + "/api/v1/code"))
                .header("Content-Type", "application/gzip")
                .POST(BodyPublishers.ofByteArray(code))
                .build());
    assertThat(reupload.statusCode()).as(reupload.body()).isEqualTo(200);

    HttpResponse<String> again = post(there + "/api/v1/experiments/import", file);
    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(countOf(get(there + "/api/v1/experiments"), "moving-program")).isEqualTo(1);
  }

  /** The program's folder packed by the system's tar, as 'digitlab submit' would send it. */
  private static byte[] packedProgram() throws Exception {
    Path dir = java.nio.file.Files.createDirectories(work.resolve("program"));
    java.nio.file.Files.writeString(dir.resolve("run.sh"), PROGRAM);
    Path archive = work.resolve("program.tar.gz");
    Process tar =
        new ProcessBuilder("tar", "-czf", archive.toString(), "-C", dir.toString(), "run.sh")
            .inheritIO()
            .start();
    assertThat(tar.waitFor()).isZero();
    return java.nio.file.Files.readAllBytes(archive);
  }

  private static long countOf(JsonNode experiments, String name) {
    JsonNode list = experiments.path("items");
    long count = 0;
    for (JsonNode experiment : list) {
      if (name.equals(experiment.path("name").asString())) {
        count++;
      }
    }
    return count;
  }

  private static HttpRequest importRequest(String server, byte[] file) {
    return HttpRequest.newBuilder(URI.create(server + "/api/v1/experiments/import"))
        .header("Content-Type", "application/gzip")
        .POST(BodyPublishers.ofByteArray(file))
        .build();
  }

  private String text(String url) throws Exception {
    return new String(bytes(url), java.nio.charset.StandardCharsets.UTF_8);
  }

  private byte[] bytes(String url) throws Exception {
    HttpResponse<byte[]> response =
        http.send(HttpRequest.newBuilder(URI.create(url)).build(), BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).as(url).isEqualTo(200);
    return response.body();
  }

  private HttpResponse<String> send(HttpRequest request) throws Exception {
    return http.send(request, BodyHandlers.ofString());
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

  /** Steps as the API gives them, without the links to their trials. */
  private static JsonNode withoutTrialLinks(JsonNode steps) {
    JsonNode copy = steps.deepCopy();
    for (JsonNode step : copy) {
      ((tools.jackson.databind.node.ObjectNode) step).remove("trialId");
      if (step.get("result") instanceof tools.jackson.databind.node.ObjectNode result) {
        result.remove("trialId");
        result.remove("experimentId");
      }
    }
    return copy;
  }
}
