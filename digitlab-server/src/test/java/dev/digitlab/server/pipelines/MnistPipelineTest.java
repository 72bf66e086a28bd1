package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
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
 * The example pipeline end to end on the server with its embedded worker (2 slots): real
 * MNIST from the developer's data home (CI fetches it with {@code ./digitlab data fetch}), real
 * trials through the queue; skipped when MNIST is not there, so the test never downloads it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class MnistPipelineTest {

  private static final Path DATA_HOME = MnistDataHome.PATH;
  private static final Path EXAMPLE =
      Path.of("..", "examples", "pipelines", "mnist-train-sizes.yaml");

  @TempDir static Path home;

  @BeforeAll
  static void mnistIsFetched() {
    MnistDataHome.assumeFetched();
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "2");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired PipelineStore store;
  @Autowired TrialStore trials;

  @Test
  void the_example_runs_every_step_and_its_benchmarks_agree_with_the_trials() throws Exception {
    PipelineRun run = submitAndWait(Files.readString(EXAMPLE));

    Map<String, PipelineStep> steps = steps(run);
    assertThat(steps.values())
        .allSatisfy(
            step -> assertThat(step.status()).as(step.name()).isEqualTo(StepStatus.SUCCEEDED));
    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    System.out.printf(
        "mnist-train-sizes wall time: %.2f s%n",
        Duration.between(run.createdAt(), run.finishedAt()).toMillis() / 1000.0);

    JsonNode ingest = StepResults.read(steps.get("ingest").result());
    assertThat(ingest.path("train").path("images").asInt()).isEqualTo(60_000);
    assertThat(ingest.path("files")).hasSize(4);
    assertThat(ingest.path("files").get(0).path("sha256").asString()).hasSize(64);
    JsonNode split = StepResults.read(steps.get("split").result());
    assertThat(split.path("train").path("images").asInt()).isEqualTo(42_000);
    assertThat(split.path("validation").path("images").asInt()).isEqualTo(18_000);
    Path eda = home.resolve("pipelines/" + run.id() + "/eda");
    assertThat(eda.resolve(EdaStep.LABELS)).isRegularFile();
    assertThat(eda.resolve(EdaStep.PIXELS)).isRegularFile();
    assertThat(eda.resolve(EdaStep.SAMPLES)).isRegularFile();

    for (int size : List.of(600, 800, 1000, 1200)) {
      PipelineStep train = steps.get("train-" + size);
      Trial trial = trials.get(train.trialId());
      assertThat(trial.status()).isEqualTo(TrialStatus.SUCCEEDED);
      assertThat(trial.config()).contains("\"trainSubset\":" + size);
      assertThat(home.resolve("pipelines/" + run.id() + "/train-" + size + "/model.onnx"))
          .isNotEmptyFile();
      JsonNode benchmark = StepResults.read(steps.get("benchmark-" + size).result());
      // The benchmark re-evaluates the trial's saved model on the same 10,000 test images.
      assertThat(benchmark.path("images").asInt()).isEqualTo(10_000);
      assertThat(benchmark.path("metrics").path("accuracy").asDouble())
          .isEqualTo(trial.testAccuracy());
      assertThat(benchmark.path("rocAuc")).hasSize(10);
      assertThat(benchmark.path("metrics").path("rocAucMacro").asDouble()).isBetween(0.8, 1.0);
      assertThat(benchmark.path("confusionMatrix")).hasSize(10);
    }
    JsonNode summary = StepResults.read(steps.get("summary").result());
    assertThat(summary.path("rows")).hasSize(4);
    assertThat(summary.path("parameter").asString()).isEqualTo("trainSubset");
    double best = summary.path("best").path("accuracy").asDouble();
    for (JsonNode row : summary.path("rows")) {
      assertThat(row.path("accuracy").asDouble()).isLessThanOrEqualTo(best);
    }
  }

  @Test
  void with_ingest_failing_twice_then_hanging_past_its_timeout_the_example_still_succeeds()
      throws Exception {
    // The hang lasts the whole timeout, and the fourth attempt (verify and load MNIST) must fit in
    // it: 20 s, not 5, which a loaded CI machine could take for that load.
    String faulty =
        Files.readString(EXAMPLE)
            .replace(
                "    timeoutSeconds: 60\n",
                "    timeoutSeconds: 20\n    faults: {fail: 2, hang: 1}\n");
    assertThat(faulty).contains("faults: {fail: 2, hang: 1}");

    PipelineRun run = submitAndWait(faulty);

    assertThat(run.status()).isEqualTo(RunStatus.SUCCEEDED);
    List<StepAttempt> ingest =
        store.attempts(run.id()).stream().filter(a -> a.stepName().equals("ingest")).toList();
    assertThat(ingest)
        .extracting(StepAttempt::status)
        .containsExactly("failed", "failed", "failed", "succeeded");
    assertThat(ingest.get(2).error()).contains("timed out");
    String page = get("/pipelines/" + run.id());
    // One Gantt bar per attempt, the three failed ones marked so (drawn red).
    assertThat(page.split("class=\"bar failed\"", -1)).hasSize(4);
  }

  @Test
  void a_failing_train_branch_skips_its_benchmark_and_the_summary_reports_it() throws Exception {
    String withBrokenBranch =
        Files.readString(EXAMPLE)
                .replace(
                    "    dependsOn: [benchmark]\n",
                    "    dependsOn: [benchmark, benchmark-broken]\n")
            + """
              - name: train-broken
                type: train
                dependsOn: [split]
                parameters: {model: mlp, epochs: 1, trainSubset: 600}
                faults: {fail: 1}
              - name: benchmark-broken
                type: benchmark
                dependsOn: [train-broken]
            """;

    PipelineRun run = submitAndWait(withBrokenBranch);

    Map<String, PipelineStep> steps = steps(run);
    assertThat(run.status()).isEqualTo(RunStatus.FAILED);
    assertThat(steps.get("train-broken").status()).isEqualTo(StepStatus.FAILED);
    assertThat(steps.get("benchmark-broken").status()).isEqualTo(StepStatus.SKIPPED);
    assertThat(steps.get("benchmark-broken").attempts()).isZero();
    assertThat(steps.get("benchmark-1200").status()).isEqualTo(StepStatus.SUCCEEDED);
    PipelineStep summary = steps.get("summary");
    assertThat(summary.status()).isEqualTo(StepStatus.SUCCEEDED);
    JsonNode failed = StepResults.read(summary.result()).path("failed");
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0).path("step").asString()).isEqualTo("benchmark-broken");
    assertThat(failed.get(0).path("reason").asString()).contains("train-broken");
  }

  private PipelineRun submitAndWait(String yaml) throws Exception {
    var response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/pipelines"))
                    .header("Content-Type", "application/yaml")
                    .POST(BodyPublishers.ofString(yaml))
                    .build(),
                BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    long id = StepResults.JSON.readTree(response.body()).get("id").asLong();
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      PipelineRun run = store.run(id).orElseThrow();
      if (run.status().isTerminal()) {
        return run;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("pipeline run " + id + " did not end within 5 minutes");
  }

  private String get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
            BodyHandlers.ofString())
        .body();
  }

  private Map<String, PipelineStep> steps(PipelineRun run) {
    return store.steps(run.id()).stream()
        .collect(Collectors.toMap(PipelineStep::name, Function.identity()));
  }
}
