package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.testing.Waiting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The browser tests' fixture: a real server on a random port with its own home and one embedded
 * worker slot that trains on MNIST from the developer's data home (CI fetches it; like {@code
 * EmbeddedWorkerTest}, a test is skipped when it is not there rather than downloading it), and one
 * headless Chromium per test class. Each class gets a fresh server (its pages start empty).
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@DirtiesContext
abstract class BrowserTestServer {

  static final Path DATA_HOME = MnistDataHome.PATH;
  static final Duration LONG = Duration.ofMinutes(3);

  @TempDir static Path home;
  @TempDir static Path profile;
  static Browser browser;

  @BeforeAll
  static void startBrowser() throws Exception {
    Browser.assumeInstalled();
    MnistDataHome.assumeFetched();
    browser = Browser.start(profile, Path.of("target", "screenshots"));
  }

  @AfterAll
  static void stopBrowser() {
    if (browser != null) {
      browser.close();
      browser = null;
    }
  }

  /** No page the test visited needed anything the Content-Security-Policy refuses. */
  @AfterEach
  void noCspViolations() {
    if (browser != null) {
      assertThat(browser.cspViolations()).as("Content-Security-Policy violations").isEmpty();
    }
  }

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", DATA_HOME::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  @Value("${local.server.port}")
  int port;

  String url(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  @Autowired ExperimentStore experimentStore;

  private final HttpClient http = HttpClient.newHttpClient();

  /** Submits an experiment file (YAML) over the API as a user's script would; its id. */
  long submitExperiment(String yaml) throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/experiments")))
                .header("Content-Type", "application/yaml")
                .POST(HttpRequest.BodyPublishers.ofString(yaml))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Long.parseLong(created.body().replaceAll("(?s)^\\{\"id\":(\\d+),.*", "$1"));
  }

  /**
   * Waits until the experiment has ended with all its {@code trials}; fails unless it succeeded.
   */
  Experiment awaitSucceeded(long id, int trials, Duration timeout) throws Exception {
    Experiment experiment =
        Waiting.until(
            () -> experimentStore.find(id).orElseThrow(),
            e ->
                (e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED)
                    && experimentStore.countTrials(id).total() == trials,
            timeout,
            "experiment " + id + " finished its " + trials + " trials");
    assertThat(experiment.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    return experiment;
  }

  /** The experiment's one-file report, as {@code digitlab report --experiment} downloads it. */
  String experimentReport(long id) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/experiments/" + id + "/report")))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
