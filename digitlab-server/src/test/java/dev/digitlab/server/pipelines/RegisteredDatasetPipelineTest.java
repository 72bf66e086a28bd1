package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.Waiting;
import dev.digitlab.testing.SyntheticIdx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Pipeline {@code ingest}, {@code split} and {@code eda} steps on a dataset registered by the test
 * (made by {@link SyntheticIdx}, 4 classes): the submission records its digest in each step's
 * parameters, the steps read exactly its files (counted per class as written), and an unknown name
 * or a digest other than the server's is a 400 naming the step, with nothing stored.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class RegisteredDatasetPipelineTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  @TempDir Path work;

  @Value("${local.server.port}")
  int port;

  @Autowired PipelineStore store;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void ingest_split_and_eda_read_a_registered_dataset_by_its_digest() throws Exception {
    // 120 training images, 30 each of classes 0-3 (SyntheticIdx labels item i with i % 4).
    String sha = register("blocks-pipe", SyntheticIdx.write(work.resolve("d"), 120, 40, 4, 5), 4);

    HttpResponse<String> created =
        post(
            """
            name: on-blocks
            steps:
              - {name: ingest, type: ingest, parameters: {dataset: blocks-pipe}}
              - {name: split, type: split, dependsOn: [ingest],
                 parameters: {dataset: blocks-pipe, ratio: 0.75, seed: 3}}
              - {name: eda, type: eda, dependsOn: [ingest],
                 parameters: {dataset: blocks-pipe, samplesPerClass: 2}}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = json(created.body()).path("id").asLong();
    awaitEnd(id);
    assertThat(getJson("/api/v1/pipelines/" + id).path("status").asString())
        .as(get("/api/v1/pipelines/" + id + "/steps").body())
        .isEqualTo("succeeded");

    Map<String, JsonNode> steps = new HashMap<>();
    getJson("/api/v1/pipelines/" + id + "/steps")
        .forEach(s -> steps.put(s.path("name").asString(), s));
    for (String step : new String[] {"ingest", "split", "eda"}) {
      assertThat(steps.get(step).path("parameters").path("datasetSha256").asString())
          .as("the digest recorded at submission in step %s", step)
          .isEqualTo(sha);
      assertThat(steps.get(step).path("result").path("datasetSha256").asString()).isEqualTo(sha);
    }

    JsonNode ingest = steps.get("ingest").path("result");
    assertThat(ingest.path("dataset").asString()).isEqualTo("blocks-pipe");
    assertThat(ingest.path("classes").asInt()).isEqualTo(4);
    JsonNode registered = getJson("/api/v1/datasets/blocks-pipe").path("files");
    assertThat(ingest.path("files")).hasSize(4);
    for (JsonNode file : ingest.path("files")) {
      assertThat(file.path("sha256").asString())
          .isEqualTo(registered.path(file.path("name").asString()).asString());
      assertThat(file.path("source").asString()).isEqualTo("registered");
    }
    assertThat(ingest.path("metrics").path("trainImages").asInt()).isEqualTo(120);
    assertThat(ingest.path("metrics").path("testImages").asInt()).isEqualTo(40);
    assertThat(ingest.path("train").path("perClass").toString())
        .isEqualTo("[30,30,30,30,0,0,0,0,0,0]");
    assertThat(ingest.path("test").path("perClass").toString())
        .isEqualTo("[10,10,10,10,0,0,0,0,0,0]");

    JsonNode split = steps.get("split").path("result");
    assertThat(split.path("metrics").path("trainImages").asInt()).isEqualTo(90);
    assertThat(split.path("metrics").path("validationImages").asInt()).isEqualTo(30);
    // Stratified: about a quarter of each class held out, none of a class the dataset lacks.
    JsonNode held = split.path("validation").path("perClass");
    int validation = 0;
    for (int c = 0; c < 10; c++) {
      if (c < 4) {
        assertThat(held.get(c).asInt()).as("class %d", c).isBetween(7, 8);
      } else {
        assertThat(held.get(c).asInt()).as("class %d", c).isZero();
      }
      validation += held.get(c).asInt();
    }
    assertThat(validation).isEqualTo(30);

    JsonNode eda = steps.get("eda").path("result");
    assertThat(eda.path("labelHistogram").toString()).isEqualTo("[30,30,30,30,0,0,0,0,0,0]");
    assertThat(executorDirectory(id, "eda").resolve(EdaStep.SAMPLES)).isRegularFile();
  }

  @Test
  void an_unknown_dataset_or_another_digest_is_a_400_naming_the_step_and_nothing_is_stored()
      throws Exception {
    String sha = register("blocks-other", SyntheticIdx.write(work.resolve("o"), 40, 10, 10, 6), 10);
    int before = store.runs(500).size();

    HttpResponse<String> unknown =
        post(
            """
            name: unknown
            steps:
              - {name: look, type: eda, parameters: {dataset: no-such-set}}
              - {name: fit, type: train, parameters: {dataset: nor-this, epochs: 1}}
            """);
    assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(400);
    JsonNode errors = json(unknown.body()).path("errors");
    assertThat(errors.toString())
        .contains("steps.look.parameters.dataset", "no dataset 'no-such-set'", "blocks-other")
        .contains("steps.fit.parameters.dataset", "no dataset 'nor-this'");

    HttpResponse<String> other =
        post(
            "name: other\nsteps:\n  - {name: in, type: ingest, parameters: {dataset: blocks-other,"
                + " datasetSha256: "
                + "0".repeat(64)
                + "}}\n");
    assertThat(other.statusCode()).as(other.body()).isEqualTo(400);
    assertThat(other.body()).contains("steps.in.parameters.datasetSha256", "has digest " + sha);

    HttpResponse<String> builtIn =
        post(
            "name: b\nsteps:\n  - {name: in, type: ingest, parameters: {dataset: mnist,"
                + " datasetSha256: "
                + sha
                + "}}\n");
    assertThat(builtIn.statusCode()).as(builtIn.body()).isEqualTo(400);
    assertThat(builtIn.body()).contains("'mnist' is a built-in dataset; leave datasetSha256 out");

    HttpResponse<String> malformed =
        post(
            "name: m\nsteps:\n  - {name: in, type: ingest, parameters: {dataset: 'Not A Name'}}\n");
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(malformed.body()).contains("registered with 'digitlab data add'");

    assertThat(store.runs(500)).hasSize(before);
  }

  @Test
  void a_dataset_a_running_pipeline_run_will_read_is_not_deleted_until_the_run_ends()
      throws Exception {
    String sha = register("blocks-held", SyntheticIdx.write(work.resolve("h"), 40, 10, 10, 7), 10);
    // No worker slots: the mnist train step waits for ever, so the steps on blocks-held stay
    // pending while the run runs.
    HttpResponse<String> created =
        post(
            """
            name: holds-blocks
            steps:
              - {name: wait, type: train, retries: {maxAttempts: 1}, parameters: {dataset: mnist, epochs: 1}}
              - {name: in, type: ingest, dependsOn: [wait], parameters: {dataset: blocks-held}}
              - {name: fit, type: train, dependsOn: [wait],
                 parameters: {dataset: blocks-held, epochs: 1}}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = json(created.body()).path("id").asLong();

    HttpResponse<String> refused = delete("/api/v1/datasets/blocks-held");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(409);
    assertThat(refused.body())
        .contains("Dataset 'blocks-held' is used by 1 running pipeline run(s)")
        .contains("run " + id + " (steps in, fit)")
        .contains("cancel them");
    assertThat(getJson("/api/v1/pipelines/" + id).path("status").asString()).isEqualTo("running");
    assertThat(getJson("/api/v1/datasets/blocks-held").path("sha256").asString()).isEqualTo(sha);
    assertThat(home.resolve("datasets").resolve(sha)).isDirectory();

    // The run ends once the trial it waits on is cancelled (its train step fails, the steps on
    // blocks-held are skipped). Cancelling the trial, not the run: the run's cancel interrupts
    // the step's thread, which on H2 can break the database file's channel.
    long trialId = 0;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (trialId == 0 && System.nanoTime() < deadline) {
      trialId = getJson("/api/v1/pipelines/" + id + "/steps/wait").path("trialId").asLong(0);
      Thread.sleep(50);
    }
    assertThat(trialId).as("the wait step's trial").isPositive();
    HttpResponse<String> cancelled =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + port + "/api/v1/trials/" + trialId + "/cancel"))
                .POST(BodyPublishers.noBody())
                .build(),
            BodyHandlers.ofString());
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
    awaitEnd(id);
    HttpResponse<String> deleted = delete("/api/v1/datasets/blocks-held");
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
    assertThat(home.resolve("datasets").resolve(sha)).doesNotExist();
  }

  private HttpResponse<String> delete(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).DELETE().build(),
        BodyHandlers.ofString());
  }

  private Path executorDirectory(long run, String step) {
    return home.resolve("pipelines").resolve(Long.toString(run)).resolve(step);
  }

  private String register(String name, Path dir, int classes) throws Exception {
    HttpResponse<String> added =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + port
                            + "/api/v1/datasets?name="
                            + name
                            + "&classes="
                            + classes))
                .header("Content-Type", "application/x-tar")
                .POST(BodyPublishers.ofByteArray(SyntheticIdx.tar(dir)))
                .build(),
            BodyHandlers.ofString());
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    assertThat(Files.isDirectory(dir)).isTrue();
    return json(added.body()).path("sha256").asString();
  }

  private void awaitEnd(long id) throws Exception {
    Waiting.until(
        () -> store.run(id).orElseThrow().status(),
        RunStatus::isTerminal,
        Duration.ofSeconds(90),
        "the end of run " + id);
  }

  private HttpResponse<String> post(String yaml) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/pipelines"))
            .header("Content-Type", "application/yaml")
            .POST(BodyPublishers.ofString(yaml))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        BodyHandlers.ofString());
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return json(response.body());
  }

  private static JsonNode json(String body) {
    return StepResults.JSON.readTree(body);
  }
}
