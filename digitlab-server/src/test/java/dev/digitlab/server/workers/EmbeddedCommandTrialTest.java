package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.tar.TarFolder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code digitlab server --allow-commands}: the embedded worker claims command trials and runs them
 * through the worker module's runner, its code from the server's own store, its checkpoint folder
 * kept as the trial's resume point and its output files as downloadable artifacts.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class EmbeddedCommandTrialTest {

  private static final ObjectMapper JSON = Json.mapper();

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "1");
    properties.add("digitlab.commands.allowed", () -> "true");
  }

  @Value("${local.server.port}")
  int port;

  @TempDir Path temp;
  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void the_embedded_worker_runs_a_command_trial_to_the_end() throws Exception {
    Path folder = Files.createDirectories(temp.resolve("code"));
    Files.writeString(
        folder.resolve("run.sh"),
        """
        echo "metric score=$1 step=1"
        echo 1 > "$DIGITLAB_CHECKPOINT_DIR/state"
        echo checkpoint
        echo "result $1" > "$DIGITLAB_OUTPUT_DIR/result.txt"
        """);
    Path packed = temp.resolve("code.tar.gz");
    TarFolder.pack(folder, packed);
    JsonNode code =
        JSON.readTree(
            send(HttpRequest.newBuilder(uri("/api/v1/code"))
                    .header("Content-Type", "application/gzip")
                    .POST(HttpRequest.BodyPublishers.ofFile(packed)))
                .body());
    HttpResponse<String> submitted =
        send(
            HttpRequest.newBuilder(uri("/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        name: embedded-command
                        command: ["sh", "run.sh", "{x}"]
                        code: %s
                        search: {type: grid, parameters: {x: [0.25, 0.75]}}
                        objective: {metric: score, goal: max}
                        """
                            .formatted(code.path("code").asString()))));
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    long experiment = JSON.readTree(submitted.body()).path("id").asLong();

    JsonNode done = awaitFinished(experiment, Duration.ofMinutes(2));
    for (JsonNode trial : done.path("trials")) {
      assertThat(trial.path("status").asString())
          .as("%s", trial.path("failureReason"))
          .isEqualTo("succeeded");
    }
    long best = done.path("bestTrialId").asLong();
    JsonNode bestTrial = get("/api/v1/trials/" + best);
    assertThat(bestTrial.path("lastMetrics").path("score").asDouble()).isEqualTo(0.75);
    HttpResponse<String> result =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/" + best + "/artifacts/result.txt")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(result.statusCode()).isEqualTo(200);
    assertThat(result.body()).isEqualTo("result 0.75\n");
    assertThat(home.resolve("trials").resolve(Long.toString(best)).resolve("checkpoints"))
        .isDirectoryContaining(p -> p.getFileName().toString().endsWith(".ckpt"));
  }

  private JsonNode awaitFinished(long experiment, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      JsonNode detail = get("/api/v1/experiments/" + experiment);
      boolean finished = !detail.path("trials").isEmpty();
      for (JsonNode trial : detail.path("trials")) {
        String status = trial.path("status").asString();
        finished &= !status.equals("queued") && !status.equals("running");
      }
      if (finished) {
        return detail;
      }
      assertThat(System.nanoTime()).as("finished in time: %s", detail).isLessThan(deadline);
      Thread.sleep(200);
    }
  }

  private JsonNode get(String path) throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return http.send(
        request.header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
