package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Command trials in real headless Chromium: a queued trial that no online worker can take says why
 * and what to do, on the experiment's rows and the trial's page; a finished command trial's
 * parameters and metrics show on its page, the runs table and compare (it has no built-in config).
 * No embedded worker and no MNIST: a worker is played through the worker API.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class CommandTrialsBrowserTest {

  private static final ObjectMapper JSON = dev.digitlab.ml.json.Json.mapper();

  @TempDir static Path home;
  @TempDir static Path profile;
  @TempDir static Path work;
  static Browser browser;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.worker.long-poll", () -> "300ms");
  }

  @BeforeAll
  static void startBrowser() throws Exception {
    Browser.assumeInstalled();
    browser = Browser.start(profile, Path.of("target", "screenshots"));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
      browser = null;
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Test
  void waiting_reason_then_a_command_trials_parameters_and_metrics_on_every_page()
      throws Exception {
    Path code = Files.createDirectories(work.resolve("code"));
    Files.writeString(code.resolve("train.py"), "print('metric rmse=0.5')\n");
    Path archive = work.resolve("code.tar.gz");
    Process tar =
        new ProcessBuilder("tar", "-czf", archive.toString(), "-C", code.toString(), "train.py")
            .start();
    assertThat(tar.waitFor()).isZero();
    String sha =
        JSON.readTree(send("/api/v1/code", "application/gzip", Files.readAllBytes(archive)))
            .path("sha256")
            .asString();
    JsonNode experiment =
        JSON.readTree(
            send(
                "/api/v1/experiments",
                "application/yaml",
                """
                name: wine-in-browser
                command: [python3, train.py, --alpha, "{alpha}"]
                code: sha256:%s
                search: {type: grid, parameters: {alpha: [0.1, 1.0]}}
                objective: {metric: rmse, goal: min}
                maxParallelTrials: 2
                """
                    .formatted(sha)
                    .getBytes()));
    long experimentId = experiment.path("id").asLong();
    long first = experiment.path("trials").get(0).path("id").asLong();
    long second = experiment.path("trials").get(1).path("id").asLong();
    assertThat(experiment.path("trials").get(0).path("waitingFor").asString())
        .contains("capability command");

    var driver = browser.driver;
    driver.get(url("/experiments/" + experimentId));
    String waiting =
        browser
            .waiting(Duration.ofSeconds(20))
            .until(d -> d.findElement(By.cssSelector("[data-waiting='" + first + "']")))
            .getText();
    assertThat(waiting)
        .contains("waiting for a worker with capability command")
        .contains("digitlab worker --allow-commands");
    browser.screenshots("command-experiment-waiting");
    driver.get(url("/trials/" + first));
    assertThat(driver.findElement(By.id("waiting-for")).getText()).contains("capability command");

    // A worker that runs programs takes both trials; the first logs rmse through MLflow.
    send(
        "/api/v1/worker/register",
        "application/json",
        "{\"name\":\"runner\",\"host\":\"h\",\"slots\":2,\"capabilities\":[\"command\"]}"
            .getBytes());
    JsonNode a = JSON.readTree(send("/api/v1/worker/lease", "application/json", lease()));
    JsonNode b = JSON.readTree(send("/api/v1/worker/lease", "application/json", lease()));
    // As the program would: with the token its lease handed it.
    String token = a.path("command").path("environment").path("MLFLOW_TRACKING_TOKEN").asString();
    HttpResponse<String> logged =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/2.0/mlflow/runs/log-metric")))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"run_id\":\""
                            + a.path("trialId").asLong()
                            + "\",\"key\":\"rmse\",\"value\":0.4,\"timestamp\":1}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(logged.statusCode()).as(logged.body()).isEqualTo(200);
    complete(a, "{\"rmse\":0.4}");
    complete(b, "{\"rmse\":0.7}");

    driver.get(url("/trials/" + first));
    assertThat(driver.findElements(By.id("waiting-for"))).isEmpty();
    assertThat(driver.findElement(By.tagName("body")).getText())
        .containsIgnoringCase("alpha")
        .contains("0.1");
    driver.get(url("/experiments/" + experimentId + "/runs"));
    assertThat(driver.findElement(By.id("runs-table")).getText()).contains("0.1").contains("1.0");
    driver.get(url("/compare?trial=" + first + "&trial=" + second));
    String compare = driver.findElement(By.tagName("body")).getText();
    assertThat(compare).contains("rmse").containsIgnoringCase("alpha");
    browser.screenshots("command-compare");
    driver.get(url("/experiments/" + experimentId));
    assertThat(driver.findElement(By.tagName("body")).getText()).contains("best trial");
  }

  private byte[] lease() {
    return "{\"worker\":\"runner\"}".getBytes();
  }

  private void complete(JsonNode grant, String metrics) throws Exception {
    send(
        "/api/v1/worker/leases/" + grant.path("trialId").asLong() + "/complete",
        "application/json",
        ("{\"leaseToken\":\""
                + grant.path("leaseToken").asString()
                + "\",\"status\":\"succeeded\",\"retryable\":false,\"trainSeconds\":1,"
                + "\"metrics\":"
                + metrics
                + "}")
            .getBytes());
  }

  private String send(String path, String type, byte[] body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url(path)))
                .header("Content-Type", type)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isBetween(200, 204);
    return response.body();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
