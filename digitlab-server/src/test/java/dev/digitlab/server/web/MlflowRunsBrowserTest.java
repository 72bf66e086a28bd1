package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs logged from outside, in real headless Chromium: a run's page draws a curve for each metric
 * it logged, and an experiment's runs table takes the metric columns the reader adds, filters with
 * MLflow's grammar typed in its search box, and compares the runs ticked in it. No MNIST and no
 * worker: nothing here trains.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class MlflowRunsBrowserTest {

  @TempDir static Path home;
  @TempDir static Path profile;
  static Browser browser;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
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

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Test
  void an_outside_runs_curves_and_a_filtered_runs_table() throws Exception {
    String experimentId =
        JSON.readTree(post("experiments/create", "{\"name\": \"browser-runs\"}"))
            .path("experiment_id")
            .asString();
    String a = run(experimentId, "good", 0.7, "0.5");
    run(experimentId, "worse", 0.9, "0.5");
    String c = run(experimentId, "other-alpha", 0.6, "0.1");
    StringBuilder history = new StringBuilder();
    for (int step = 1; step <= 4; step++) {
      history
          .append(",{\"key\": \"rmse\", \"value\": ")
          .append(0.7 - step * 0.01)
          .append(", \"timestamp\": \"1700000000000\", \"step\": \"")
          .append(step)
          .append("\"}");
    }
    post(
        "runs/log-batch",
        "{\"run_id\": \"" + a + "\", \"metrics\": [" + history.substring(1) + "]}");

    var driver = browser.driver;
    driver.get(url("/runs/" + a));
    WebElement curve =
        browser
            .waiting(Duration.ofSeconds(30))
            .until(d -> d.findElement(By.cssSelector(".chart[data-key='rmse'][data-points]")));
    assertThat(curve.getAttribute("data-points")).isEqualTo("5");
    assertThat(curve.findElements(By.tagName("canvas"))).isNotEmpty();
    assertThat(driver.findElement(By.id("params-table")).getText())
        .contains("alpha")
        .contains("0.5");
    browser.screenshots("mlflow-run");

    driver.get(url("/experiments/" + experimentId + "/runs"));
    assertThat(rows(driver)).hasSize(3);
    // Columns are the reader's choice: none, then a metric column added by name.
    driver.get(url("/experiments/" + experimentId + "/runs?params=&metrics="));
    assertThat(headers(driver)).noneMatch(h -> h.startsWith("metrics.") || h.startsWith("params."));
    driver.findElement(By.id("metrics")).sendKeys("rmse");
    driver.findElement(By.cssSelector("#run-search button[type=submit]")).click();
    browser.waiting(Duration.ofSeconds(10)).until(d -> headers(d).contains("metrics.rmse"));
    assertThat(headers(driver)).noneMatch(h -> h.startsWith("params."));
    assertThat(driver.findElement(By.cssSelector("#runs-table tr[data-run='" + a + "']")).getText())
        .contains("good")
        .contains("0.66"); // its latest rmse, the last of the logged history
    driver.get(url("/experiments/" + experimentId + "/runs"));
    WebElement filter = driver.findElement(By.id("filter"));
    filter.clear();
    filter.sendKeys("metrics.rmse < 0.8 and params.alpha = '0.5'");
    driver.findElement(By.cssSelector("#run-search button[type=submit]")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> d.findElement(By.id("run-count")).getText().startsWith("1 "));
    List<WebElement> rows = rows(driver);
    assertThat(rows).hasSize(1);
    assertThat(rows.getFirst().getText()).contains("good");
    browser.screenshots("mlflow-runs-filtered");

    filter = driver.findElement(By.id("filter"));
    filter.clear();
    filter.sendKeys("metrics.rmse <> 1");
    driver.findElement(By.cssSelector("#run-search button[type=submit]")).click();
    assertThat(
            browser
                .waiting(Duration.ofSeconds(10))
                .until(d -> d.findElement(By.id("filter-error")))
                .getText())
        .contains("Invalid filter");

    // Two runs ticked in the runs table, "Compare selected": their final metrics side by side
    // with the lower rmse marked, and only the differing param shown.
    driver.get(url("/experiments/" + experimentId + "/runs"));
    for (String run : new String[] {a, c}) {
      driver
          .findElement(By.cssSelector("#runs-table tr[data-run='" + run + "'] input[name=trial]"))
          .click();
    }
    driver.findElement(By.cssSelector("#compare-runs button[type=submit]")).click();
    browser.waiting(Duration.ofSeconds(20)).until(d -> d.getCurrentUrl().contains("/compare?"));
    WebElement rmse = driver.findElement(By.cssSelector("tr[data-metric='rmse']"));
    assertThat(rmse.findElements(By.tagName("td"))).hasSize(2);
    assertThat(rmse.findElements(By.cssSelector("td.best-value"))).hasSize(1);
    assertThat(rmse.findElement(By.cssSelector("td.best-value")).getText()).contains("0.6000");
    assertThat(
            driver.findElements(By.cssSelector("#config-diff tbody tr")).stream()
                .filter(WebElement::isDisplayed)
                .map(WebElement::getText)
                .toList())
        .singleElement()
        .satisfies(row -> assertThat(row).startsWith("Alpha ≠"));
  }

  private static List<String> headers(org.openqa.selenium.WebDriver driver) {
    return driver.findElements(By.cssSelector("#runs-table thead th")).stream()
        .map(h -> h.getAttribute("textContent").strip())
        .toList();
  }

  private static List<WebElement> rows(org.openqa.selenium.WebDriver driver) {
    return driver.findElements(By.cssSelector("#runs-table tbody tr"));
  }

  private String run(String experimentId, String name, double rmse, String alpha) throws Exception {
    String runId =
        JSON.readTree(
                post(
                    "runs/create",
                    "{\"experiment_id\": \"%s\", \"run_name\": \"%s\"}"
                        .formatted(experimentId, name)))
            .path("run")
            .path("info")
            .path("run_id")
            .asString();
    post(
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [{"key": "rmse", "value": %s, "timestamp": 1, "step": 0}],
         "params": [{"key": "alpha", "value": "%s"}]}
        """
            .formatted(runId, rmse, alpha));
    return runId;
  }

  private String post(String path, String body) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/2.0/mlflow/" + path)))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }
}
