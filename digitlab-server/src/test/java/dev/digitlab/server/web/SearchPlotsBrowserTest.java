package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.Waiting;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The search plots of a finished TPE experiment in real headless Chromium: optimization history,
 * parameter importance, parallel coordinates (a log axis for the log-scaled learning rate, a
 * category axis for the batch-size list) and the slice plot, each drawn with every trial's data.
 * The experiment is a four-trial TPE search (two random startup trials, then two TPE suggestions)
 * of tiny MLPs the embedded worker trains on real MNIST.
 */
class SearchPlotsBrowserTest extends BrowserTestServer {

  @Autowired ExperimentStore experiments;

  @Test
  void the_search_plots_render_with_the_trials_of_a_finished_tpe_experiment() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("search-plots-failure");
      throw failure;
    }
  }

  private void userPath() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/experiments")))
                .header("Content-Type", "application/yaml")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        name: tpe-plots
                        config: {model: mlp, epochs: 1, hiddenSizes: [16], trainSubset: 1000, seed: 3}
                        search:
                          type: tpe
                          maxTrials: 4
                          nStartupTrials: 2
                          seed: 5
                          parameters:
                            learningRate: {min: 1.0e-4, max: 1.0e-1, scale: log}
                            batchSize: [32, 64, 128]
                        """))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = Long.parseLong(created.body().replaceAll("(?s)^\\{\"id\":(\\d+),.*", "$1"));
    Experiment experiment =
        Waiting.until(
            () -> experiments.find(id).orElseThrow(),
            e ->
                (e.status() == ExperimentStatus.SUCCEEDED || e.status() == ExperimentStatus.FAILED)
                    && experiments.countTrials(id).total() == 4,
            LONG.plus(Duration.ofMinutes(2)),
            "experiment " + id + " finished its 4 trials");
    assertThat(experiment.status()).isEqualTo(ExperimentStatus.SUCCEEDED);
    assertThat(experiments.countTrials(id).succeeded()).isEqualTo(4);

    var driver = browser.driver;
    driver.get(url("/experiments/" + id));
    for (String chart : new String[] {"history", "importance", "parallel", "slice"}) {
      assertThat(driver.findElements(By.cssSelector("#" + chart + " canvas")))
          .as(chart + " is drawn")
          .isNotEmpty();
    }
    assertThat(count("history", "series[0].data")).isEqualTo(4);
    assertThat(count("history", "series[1].data")).isEqualTo(4); // best so far at every trial
    assertThat(count("importance", "series[0].data")).isEqualTo(2);
    assertThat(count("parallel", "series[0].data")).isEqualTo(4);
    assertThat(count("slice", "series[0].data")).isEqualTo(4);
    @SuppressWarnings("unchecked")
    Map<String, Object> axes =
        (Map<String, Object>)
            browser.js(
                "const o = echarts.getInstanceByDom(document.getElementById('parallel'))"
                    + ".getOption(); const a = {};"
                    + " o.parallelAxis.forEach(x => a[x.name] = x.type); return a;");
    assertThat(axes)
        .containsEntry("learningRate", "log")
        .containsEntry("batchSize", "value")
        .containsEntry("test_f1_macro", "value");
    // The best so far never gets worse (macro-F1 is maximised).
    @SuppressWarnings("unchecked")
    java.util.List<Object> best =
        (java.util.List<Object>)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('history')).getOption()"
                    + ".series[1].data.map(p => p[1]);");
    for (int i = 1; i < best.size(); i++) {
      assertThat(((Number) best.get(i)).doubleValue())
          .isGreaterThanOrEqualTo(((Number) best.get(i - 1)).doubleValue());
    }
    browser.screenshots("search-plots");

    // The one-file report draws the history and lists the importances on the server.
    String report =
        http.send(
                HttpRequest.newBuilder(URI.create(url("/api/v1/experiments/" + id + "/report")))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    driver.get(
        "data:text/html;base64,"
            + java.util.Base64.getEncoder()
                .encodeToString(report.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(driver.findElements(By.cssSelector("svg#history polyline"))).hasSize(2);
    assertThat(driver.findElements(By.cssSelector("#importance tr"))).hasSize(3);
  }

  private long count(String chart, String path) {
    return ((Number)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById(arguments[0]))"
                    + ".getOption()."
                    + path
                    + ".length;",
                chart))
        .longValue();
  }
}
