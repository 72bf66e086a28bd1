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
                name: diabetes-in-browser
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
            .until(d -> d.findElement(By.cssSelector("[data-waiting='" + first + "']")).getText());
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
    // Values only the MLflow API knows of (no stdout line): a param and a metric per program.
    logBatch(a, "{\"key\":\"solver\",\"value\":\"saga\"}", 0.25);
    logBatch(b, "{\"key\":\"solver\",\"value\":\"lbfgs\"}", 0.5);
    complete(a, "{\"rmse\":0.4}");
    complete(b, "{\"rmse\":0.7}");

    driver.get(url("/trials/" + first));
    assertThat(driver.findElements(By.id("waiting-for"))).isEmpty();
    assertThat(driver.findElement(By.tagName("body")).getText())
        .containsIgnoringCase("alpha")
        .contains("0.1");
    driver.get(url("/experiments/" + experimentId + "/runs"));
    assertThat(driver.findElement(By.id("runs-table")).getText()).contains("0.1").contains("1.0");

    // The runs table over what the programs logged through MLflow: columns, order, filter.
    driver.findElement(By.id("metrics")).clear();
    driver.findElement(By.id("metrics")).sendKeys("val_loss,rmse");
    driver.findElement(By.id("params")).clear();
    driver.findElement(By.id("params")).sendKeys("solver,alpha");
    driver.findElement(By.id("order")).sendKeys("metrics.val_loss DESC");
    driver.findElement(By.cssSelector("#run-search button[type=submit]")).click();
    browser.waiting(Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("order="));
    assertThat(
            driver.findElements(By.cssSelector("#runs-table thead th")).stream()
                .map(e -> e.getText())
                .toList())
        .contains("params.solver", "metrics.val_loss");
    assertThat(
            driver.findElements(By.cssSelector("#runs-table tbody tr")).stream()
                .map(e -> e.getAttribute("data-run"))
                .toList())
        .as("ordered by the MLflow-logged val_loss, highest first")
        .containsExactly(Long.toString(second), Long.toString(first));
    assertThat(driver.findElement(By.cssSelector("tr[data-run='" + first + "']")).getText())
        .contains("saga")
        .contains("0.25");
    driver
        .findElement(By.id("filter"))
        .sendKeys("metrics.val_loss < 0.3 and params.solver = 'saga'");
    driver.findElement(By.cssSelector("#run-search button[type=submit]")).click();
    browser.waiting(Duration.ofSeconds(10)).until(d -> d.getCurrentUrl().contains("filter="));
    assertThat(
            driver.findElements(By.cssSelector("#runs-table tbody tr")).stream()
                .map(e -> e.getAttribute("data-run"))
                .toList())
        .containsExactly(Long.toString(first));
    browser.screenshots("command-runs-filtered");
    // The same through the MLflow search API and the CSV.
    JsonNode searched =
        JSON.readTree(
            send(
                "/api/2.0/mlflow/runs/search",
                "application/json",
                ("{\"experiment_ids\":[\""
                        + experimentId
                        + "\"],\"filter\":\"metrics.val_loss > 0.3 and params.solver = 'lbfgs'\","
                        + "\"order_by\":[\"metrics.val_loss ASC\"]}")
                    .getBytes()));
    assertThat(searched.path("runs")).hasSize(1);
    assertThat(searched.path("runs").get(0).path("info").path("run_id").asString())
        .isEqualTo(Long.toString(second));
    HttpResponse<String> csv =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        url(
                            "/experiments/"
                                + experimentId
                                + "/runs.csv?metrics=val_loss&params=solver&filter="
                                + java.net.URLEncoder.encode(
                                    "metrics.val_loss >= 0.5",
                                    java.nio.charset.StandardCharsets.UTF_8))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.body().lines().toList())
        .hasSize(2)
        .first()
        .asString()
        .endsWith("params.solver,metrics.val_loss");
    assertThat(csv.body().lines().toList().get(1)).startsWith(second + ",").endsWith("lbfgs,0.5");
    // A run view MLflow does not have: the page and the CSV answer 400 naming the three it has.
    for (String path : java.util.List.of("/runs?view=ARCHIVED", "/runs.csv?view=ARCHIVED")) {
      HttpResponse<String> bad =
          http.send(
              HttpRequest.newBuilder(URI.create(url("/experiments/" + experimentId + path)))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).as(path).isEqualTo(400);
      assertThat(bad.body()).as(path).contains("use ACTIVE_ONLY, DELETED_ONLY or ALL");
    }
    driver.get(url("/compare?trial=" + first + "&trial=" + second));
    String compare = driver.findElement(By.tagName("body")).getText();
    assertThat(compare).contains("rmse").containsIgnoringCase("alpha");
    browser.screenshots("command-compare");
    driver.get(url("/experiments/" + experimentId));
    assertThat(driver.findElement(By.tagName("body")).getText()).contains("best trial");
  }

  @Test
  void a_command_experiment_is_cloned_and_edited_from_the_form() throws Exception {
    String sha = upload("print('metric rmse=0.5')\n");
    JsonNode source =
        JSON.readTree(
            send(
                "/api/v1/experiments",
                "application/yaml",
                """
                name: elastic
                command: [python3, train.py, --alpha, "{alpha}", --solver, "{solver}"]
                code: sha256:%s
                parameters: {solver: saga}
                search: {type: grid, parameters: {alpha: [0.1, 1.0]}}
                objective: {metric: rmse, goal: min}
                timeout: 60
                """
                    .formatted(sha)
                    .getBytes()));
    var driver = browser.driver;
    driver.get(url("/experiments/" + source.path("id").asLong()));
    driver.findElement(By.linkText("Clone")).click();
    browser.waiting(Duration.ofSeconds(10)).until(d -> d.findElement(By.id("program")));
    assertThat(driver.findElement(By.id("command")).getDomProperty("value"))
        .isEqualTo("python3\ntrain.py\n--alpha\n{alpha}\n--solver\n{solver}");
    assertThat(driver.findElement(By.id("code")).getDomProperty("value"))
        .isEqualTo("sha256:" + sha);
    assertThat(driver.findElement(By.id("parameters")).getDomProperty("value"))
        .isEqualTo("solver = saga");
    assertThat(driver.findElement(By.id("timeout")).getDomProperty("value")).isEqualTo("60");
    assertThat(driver.findElement(By.id("objectiveMetric")).getDomProperty("value"))
        .isEqualTo("rmse");
    assertThat(driver.findElement(By.id("s-field-0")).getDomProperty("value")).isEqualTo("alpha");
    assertThat(driver.findElement(By.id("name")).getDomProperty("value")).isEqualTo("elastic-2");

    // A placeholder naming no parameter: refused, said next to the command, nothing stored.
    driver.findElement(By.id("command")).sendKeys("\n--tol\n{tolerance}");
    driver.findElement(By.id("submit-experiment")).click();
    // The error span is in the form before the submit too (empty): wait for its text, read inside
    // the condition so that the form's swap between finding and reading is asked again.
    String commandError =
        browser
            .waiting(Duration.ofSeconds(10))
            .until(
                d -> {
                  String text = d.findElement(By.id("err-command")).getText();
                  return text.isBlank() ? null : text;
                });
    assertThat(commandError).contains("tolerance");
    assertThat(JSON.readTree(get("/api/v1/experiments?q=elastic-2")).path("total").asLong())
        .isZero();

    // Fixed: the command back as it was, alpha now a log-uniform range searched at random, and new
    // code uploaded through the form.
    var command = driver.findElement(By.id("command"));
    command.clear();
    command.sendKeys("python3\ntrain.py\n--alpha\n{alpha}\n--solver\n{solver}");
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("searchType")))
        .selectByValue("random");
    driver.findElement(By.id("samples")).clear();
    driver.findElement(By.id("samples")).sendKeys("3");
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("s-kind-0")))
        .selectByValue("log");
    driver.findElement(By.id("s-values-0")).clear();
    driver.findElement(By.id("s-min-0")).clear();
    driver.findElement(By.id("s-min-0")).sendKeys("0.001");
    driver.findElement(By.id("s-max-0")).clear();
    driver.findElement(By.id("s-max-0")).sendKeys("0.01");
    Path newCode = Files.createDirectories(work.resolve("new-code"));
    Files.writeString(newCode.resolve("train.py"), "print('metric rmse=0.25')\n");
    Path packed = work.resolve("new-code.tar.gz");
    assertThat(
            new ProcessBuilder(
                    "tar", "-czf", packed.toString(), "-C", newCode.toString(), "train.py")
                .start()
                .waitFor())
        .isZero();
    driver.findElement(By.id("code-file")).sendKeys(packed.toAbsolutePath().toString());
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> !d.findElement(By.id("code")).getDomProperty("value").equals("sha256:" + sha));
    String newSha = driver.findElement(By.id("code")).getDomProperty("value");
    assertThat(newSha).matches("sha256:[0-9a-f]{64}");
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> d.findElement(By.id("trial-count")).getText().contains("3 trials"));
    browser.screenshots("command-clone-form");
    driver.findElement(By.id("submit-experiment")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> d.findElements(By.cssSelector("#trial-table tbody tr")).size() == 3);
    assertThat(driver.findElement(By.tagName("h1")).getText()).contains("elastic-2");
    long cloned =
        Long.parseLong(driver.getCurrentUrl().replaceAll(".*/experiments/(\\d+).*", "$1"));
    JsonNode created = JSON.readTree(get("/api/v1/experiments/" + cloned));
    assertThat(created.path("trials")).hasSize(3);
    // Queued, not claimed: no worker here runs them. (Whether one says why depends on whether the
    // other test's command worker still counts as online, so the reason is checked there only.)
    for (JsonNode trial : created.path("trials")) {
      assertThat(trial.path("status").asString()).isEqualTo("queued");
    }
    JsonNode spec = created.path("spec");
    assertThat(spec.path("code").asString()).isEqualTo(newSha);
    assertThat(spec.path("timeout").asLong()).isEqualTo(60);
    assertThat(spec.path("parameters").path("solver").asString()).isEqualTo("saga");
    assertThat(spec.path("search").path("parameters").path("alpha").path("scale").asString())
        .isEqualTo("log");
    browser.screenshots("command-cloned-experiment");
  }

  private String upload(String program) throws Exception {
    Path code = Files.createDirectories(work.resolve("code-" + System.nanoTime()));
    Files.writeString(code.resolve("train.py"), program);
    Path archive = code.resolveSibling(code.getFileName() + ".tar.gz");
    assertThat(
            new ProcessBuilder("tar", "-czf", archive.toString(), "-C", code.toString(), "train.py")
                .start()
                .waitFor())
        .isZero();
    return JSON.readTree(send("/api/v1/code", "application/gzip", Files.readAllBytes(archive)))
        .path("sha256")
        .asString();
  }

  private String get(String path) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url(path))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
    return response.body();
  }

  /** Logs a param and a {@code val_loss} point as the trial's program would, with its token. */
  private void logBatch(JsonNode grant, String param, double valLoss) throws Exception {
    String token =
        grant.path("command").path("environment").path("MLFLOW_TRACKING_TOKEN").asString();
    HttpResponse<String> logged =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/2.0/mlflow/runs/log-batch")))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"run_id\":\""
                            + grant.path("trialId").asLong()
                            + "\",\"params\":["
                            + param
                            + "],\"metrics\":[{\"key\":\"val_loss\",\"value\":"
                            + valLoss
                            + ",\"timestamp\":1,\"step\":3}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(logged.statusCode()).as(logged.body()).isEqualTo(200);
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
