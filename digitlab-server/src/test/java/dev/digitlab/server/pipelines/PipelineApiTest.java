package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.tar.TarFolder;
import dev.digitlab.server.testing.Waiting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * {@code /api/v1/pipelines} over HTTP: problem details for bad input, runs, steps and logs; command
 * steps as command trials on the embedded worker ({@code --allow-commands}): code, metrics, files,
 * the stderr tail of a failure, and cancel killing the program.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PipelineApiTest {

  @TempDir static Path home;

  @TempDir Path temp;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    // Command steps are command trials: the embedded worker, allowed commands, runs them.
    properties.add("digitlab.worker.slots", () -> "1");
    properties.add("digitlab.commands.allowed", () -> "true");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired PipelineStore store;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void an_invalid_pipeline_is_a_400_problem_naming_each_step_and_nothing_is_stored()
      throws Exception {
    int before = store.runs(500).size();

    HttpResponse<String> response =
        post(
            "application/yaml",
            """
            name: bad
            steps:
              - {name: a, type: train, parameters: {learningRate: -1}}
              - {name: b, type: eda, dependsOn: [a, zz]}
              - {name: c, type: benchmark, dependsOn: [c]}
            """);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    JsonNode problem = StepResults.JSON.readTree(response.body());
    assertThat(problem.path("title").asString()).isEqualTo("Invalid pipeline");
    assertThat(problem.path("errors").toString()).contains("steps.b.dependsOn", "'zz'");
    assertThat(store.runs(500)).hasSize(before);

    HttpResponse<String> cycle =
        post(
            "application/yaml",
            """
            name: loop
            steps:
              - {name: a, type: eda, dependsOn: [b]}
              - {name: b, type: eda, dependsOn: [a]}
            """);
    assertThat(cycle.statusCode()).isEqualTo(400);
    assertThat(cycle.body()).contains("depends on itself");

    HttpResponse<String> badParameter =
        post(
            "application/yaml",
            "name: p\nsteps:\n  - {name: t, type: train, parameters: {learningRate: -1}}\n");
    assertThat(badParameter.statusCode()).isEqualTo(400);
    assertThat(badParameter.body()).contains("steps.t.parameters.learningRate", "step 't'");

    HttpResponse<String> notYaml = post("application/yaml", "name: [unclosed");
    assertThat(notYaml.statusCode()).isEqualTo(400);
    assertThat(notYaml.body()).contains("malformed YAML");
  }

  @Test
  void a_json_pipeline_runs_and_its_steps_logs_and_attempts_are_served() throws Exception {
    HttpResponse<String> created =
        post(
            "application/json",
            """
            {"name": "json", "steps": [
              {"name": "hello", "type": "command",
               "parameters": {"executable": "sh", "args": ["-c", "echo hi; echo metric x=2 step=5"]}}]}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = StepResults.JSON.readTree(created.body()).path("id").asLong();
    assertThat(created.headers().firstValue("Location")).hasValue("/api/v1/pipelines/" + id);
    awaitEnd(id);

    JsonNode run = getJson("/api/v1/pipelines/" + id);
    assertThat(run.path("status").asString()).isEqualTo("succeeded");
    assertThat(run.path("traceId").asString()).hasSize(32);
    assertThat(run.path("owner").asString()).as("no token, authentication off").isEqualTo("local");
    JsonNode step = getJson("/api/v1/pipelines/" + id + "/steps").get(0);
    assertThat(step.path("result").path("metrics").path("x").asDouble()).isEqualTo(2.0);
    assertThat(step.path("result").path("series").path("x").get(0).get(0).asInt()).isEqualTo(5);
    assertThat(step.path("attemptList").get(0).path("spanId").asString()).hasSize(16);
    assertThat(get("/api/v1/pipelines/" + id + "/steps/hello/logs").body()).contains("[1] hi");
    assertThat(getJson("/api/v1/pipelines/" + id + "/attempts")).hasSize(1);
    assertThat(get("/api/v1/pipelines/" + id + "/steps/hello/files/..%2Fx").statusCode())
        .isEqualTo(400);
    assertThat(get("/api/v1/pipelines/" + id + "/steps/nope").statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/pipelines/987654").statusCode()).isEqualTo(404);
    assertThat(get("/api/v1/pipelines?limit=0").statusCode()).isEqualTo(400);
  }

  @Test
  void a_command_step_runs_its_uploaded_code_as_a_command_trial_and_keeps_its_files()
      throws Exception {
    Path folder = Files.createDirectories(temp.resolve("code"));
    Files.writeString(
        folder.resolve("fit.sh"),
        """
        x=${1#--x=}
        echo "fitting x=$x"
        echo "metric score=$x step=1"
        echo "score $x" > "$DIGITLAB_OUTPUT_DIR/fit.txt"
        """);
    Path packed = temp.resolve("code.tar.gz");
    TarFolder.pack(folder, packed);
    HttpResponse<String> uploaded =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/code"))
                .header("Content-Type", "application/gzip")
                .POST(BodyPublishers.ofFile(packed))
                .build(),
            BodyHandlers.ofString());
    assertThat(uploaded.statusCode()).as(uploaded.body()).isIn(200, 201);
    String code = StepResults.JSON.readTree(uploaded.body()).path("code").asString();

    HttpResponse<String> created =
        post(
            "application/yaml",
            """
            name: fits
            steps:
              - name: fit
                type: command
                sweep: {parameter: x, values: [1, 3]}
                parameters: {executable: sh, args: [fit.sh], code: "%s"}
              - name: summary
                type: summary
                dependsOn: [fit]
                parameters: {metric: score, goal: max}
            """
                .formatted(code));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = StepResults.JSON.readTree(created.body()).path("id").asLong();
    awaitEnd(id);

    JsonNode run = getJson("/api/v1/pipelines/" + id);
    assertThat(run.path("status").asString()).as(run.toString()).isEqualTo("succeeded");
    JsonNode fit = getJson("/api/v1/pipelines/" + id + "/steps/fit-3");
    assertThat(fit.path("result").path("metrics").path("score").asDouble()).isEqualTo(3.0);
    assertThat(fit.path("result").path("files").toString()).contains("fit.txt");
    assertThat(get("/api/v1/pipelines/" + id + "/steps/fit-3/files/fit.txt").body())
        .isEqualTo("score 3\n");
    assertThat(get("/api/v1/pipelines/" + id + "/steps/fit-3/logs").body())
        .contains("[1] fitting x=3");
    JsonNode summary = getJson("/api/v1/pipelines/" + id + "/steps/summary");
    assertThat(summary.path("result").path("best").path("step").asString()).isEqualTo("fit-3");
    // The step's trial is a command trial of an experiment of its own, as the runs table shows it.
    JsonNode trial = getJson("/api/v1/trials/" + fit.path("trialId").asLong());
    assertThat(trial.path("status").asString()).isEqualTo("succeeded");
    assertThat(trial.toString()).contains("command");
  }

  @Test
  void a_failing_program_fails_its_step_with_the_tail_of_its_stderr() throws Exception {
    HttpResponse<String> created =
        post(
            "application/yaml",
            """
            name: broken
            steps:
              - name: boom
                type: command
                parameters: {executable: sh, args: ["-c", "echo the data is gone >&2; exit 3"]}
              - {name: after, type: command, dependsOn: [boom], parameters: {executable: "true"}}
            """);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = StepResults.JSON.readTree(created.body()).path("id").asLong();
    awaitEnd(id);

    JsonNode boom = getJson("/api/v1/pipelines/" + id + "/steps/boom");
    assertThat(boom.path("status").asString()).isEqualTo("failed");
    assertThat(boom.path("failureReason").asString()).contains("the data is gone");
    assertThat(getJson("/api/v1/pipelines/" + id + "/steps/after").path("status").asString())
        .isEqualTo("skipped");
    assertThat(getJson("/api/v1/pipelines/" + id).path("status").asString()).isEqualTo("failed");
  }

  @Test
  void cancelling_the_run_cancels_the_steps_trial_and_kills_its_program() throws Exception {
    Path pidFile = temp.resolve("pid");
    HttpResponse<String> created =
        post(
            "application/yaml",
            """
            name: long
            steps:
              - name: slow
                type: command
                parameters: {executable: sh, args: ["-c", "echo $$ > %s; exec sleep 120"]}
            """
                .formatted(pidFile));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = StepResults.JSON.readTree(created.body()).path("id").asLong();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (!(Files.exists(pidFile) && !Files.readString(pidFile).isBlank())
        && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    long pid = Long.parseLong(Files.readString(pidFile).strip());
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).hasValue(true);

    HttpResponse<String> cancelled = post("/api/v1/pipelines/" + id + "/cancel", "", "");
    assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
    awaitEnd(id);

    JsonNode slow = getJson("/api/v1/pipelines/" + id + "/steps/slow");
    assertThat(slow.path("status").asString()).isEqualTo("failed");
    assertThat(slow.path("failureReason").asString()).contains("cancelled");
    assertThat(getJson("/api/v1/pipelines/" + id).path("failureReason").asString())
        .startsWith("cancelled by");
    long stopBy = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)
        && System.nanoTime() < stopBy) {
      Thread.sleep(50);
    }
    assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .as("the step's program is killed")
        .isFalse();
    // The trial ends once its worker has reported the killed attempt, which may come just after.
    long trial = slow.path("trialId").asLong();
    long reportedBy = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!getJson("/api/v1/trials/" + trial).path("status").asString().equals("cancelled")
        && System.nanoTime() < reportedBy) {
      Thread.sleep(50);
    }
    assertThat(getJson("/api/v1/trials/" + trial).path("status").asString()).isEqualTo("cancelled");
    assertThat(post("/api/v1/pipelines/" + id + "/cancel", "", "").statusCode()).isEqualTo(409);
  }

  @Test
  void code_that_names_a_folder_rather_than_uploaded_code_is_a_400_and_nothing_is_stored()
      throws Exception {
    int before = store.runs(500).size();
    HttpResponse<String> response =
        post(
            "application/yaml",
            """
            name: local
            steps:
              - {name: a, type: command, parameters: {executable: sh, code: ./here, env: {A: b}}}
            """);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.body()).contains("steps.a.parameters.env");
    HttpResponse<String> folder =
        post(
            "application/yaml",
            "name: l\nsteps:\n  - {name: a, type: command, parameters: {executable: sh, code: ./x}}\n");
    assertThat(folder.statusCode()).as(folder.body()).isEqualTo(400);
    assertThat(folder.body()).contains("steps.a.parameters.code", "digitlab pipeline run");
    assertThat(store.runs(500)).hasSize(before);
  }

  private void awaitEnd(long id) throws Exception {
    Waiting.until(
        () -> store.run(id).orElseThrow().status(),
        RunStatus::isTerminal,
        Duration.ofSeconds(90),
        "the end of run " + id);
  }

  private HttpResponse<String> post(String type, String body) throws Exception {
    return post("/api/v1/pipelines", type, body);
  }

  private HttpResponse<String> post(String path, String type, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .POST(BodyPublishers.ofString(body));
    if (!type.isEmpty()) {
      request.header("Content-Type", type);
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        BodyHandlers.ofString());
  }

  private JsonNode getJson(String path) throws Exception {
    HttpResponse<String> response = get(path);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return StepResults.JSON.readTree(response.body());
  }
}
