package dev.digitlab.server.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
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

/** {@code /api/v1/pipelines} over HTTP: problem details for bad input, runs, steps and logs. */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class PipelineApiTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
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

  private void awaitEnd(long id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (store.run(id).orElseThrow().status().isTerminal()) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + id + " did not end");
  }

  private HttpResponse<String> post(String type, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/pipelines"))
            .header("Content-Type", type)
            .POST(BodyPublishers.ofString(body))
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
    return StepResults.JSON.readTree(response.body());
  }
}
