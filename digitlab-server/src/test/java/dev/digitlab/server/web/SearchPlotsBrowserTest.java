package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The search plots of a finished TPE experiment in real headless Chromium: optimization history,
 * parameter importance, parallel coordinates (a log axis for the log-scaled learning rate, a
 * category axis for the batch-size list, no axis title cut off) and the slice plot, each drawn with
 * every trial's data. The experiment is a four-trial TPE search (two random startup trials, then
 * two TPE suggestions) of tiny MLPs the embedded worker trains on real MNIST.
 */
class SearchPlotsBrowserTest extends BrowserTestServer {

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
    long id =
        submitExperiment(
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
            """);
    awaitSucceeded(id, 4, LONG.plus(Duration.ofMinutes(2)));
    assertThat(experimentStore.countTrials(id).succeeded()).isEqualTo(4);

    var driver = browser.driver;
    driver.get(url("/experiments/" + id));
    for (String chart : new String[] {"history", "importance", "parallel", "slice"}) {
      // Parallel coordinates and the slice plot are drawn as SVG, the others on a canvas. ECharts
      // makes a chart's canvas at its first animation frame, after the page's load: wait for it
      // (/tmp/ci6 looked too soon once and found no canvas in #history).
      By drawn = By.cssSelector("#" + chart + " canvas, #" + chart + " svg");
      browser
          .waiting(LONG)
          .withMessage(chart + " is drawn")
          .until(d -> !d.findElements(drawn).isEmpty());
    }
    assertThat(count("history", "series[0].data")).isEqualTo(4);
    assertThat(count("history", "series[1].data")).isEqualTo(4); // best so far at every trial
    assertThat(count("importance", "series[0].data")).isEqualTo(2);
    assertThat(count("parallel", "series[0].data")).isEqualTo(4);
    assertThat(count("slice", "series[0].data")).isEqualTo(4);
    assertThat(browser.textsOutside("parallel")).as("parallel: texts cut off").isEmpty();
    @SuppressWarnings("unchecked")
    java.util.List<Object> batches =
        (java.util.List<Object>)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('parallel')).getOption()"
                    + ".parallelAxis.find(x => x.name === 'batchSize').data;");
    // The values the trials used, as ticks in numeric order (not 128 before 32).
    assertThat(batches).isSubsetOf("32", "64", "128").isNotEmpty();
    assertThat(batches.stream().map(b -> Integer.parseInt((String) b)).toList()).isSorted();
    @SuppressWarnings("unchecked")
    Map<String, Object> axes =
        (Map<String, Object>)
            browser.js(
                "const o = echarts.getInstanceByDom(document.getElementById('parallel'))"
                    + ".getOption(); const a = {};"
                    + " o.parallelAxis.forEach(x => a[x.name] = x.type); return a;");
    assertThat(axes)
        .containsEntry("learningRate", "log")
        .containsEntry("batchSize", "category") // a list: one tick per value, in order
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
    // fANOVA shares, computed on the server: two parameters, summing to 1.
    @SuppressWarnings("unchecked")
    java.util.List<Object> shares =
        (java.util.List<Object>)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('importance'))"
                    + ".getOption().series[0].data;");
    assertThat(shares.stream().mapToDouble(v -> ((Number) v).doubleValue()).sum())
        .isCloseTo(1.0, org.assertj.core.api.Assertions.within(0.002));
    browser.screenshots("search-plots");

    // The one-file report draws the history, lists the importances, and draws the parallel
    // coordinates (a log axis for the learning rate, a list axis for the batch size, one line per
    // trial) and a slice plot per parameter (a dot per trial), all on the server.
    String report = experimentReport(id);
    driver.get(
        "data:text/html;base64,"
            + java.util.Base64.getEncoder()
                .encodeToString(report.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    assertThat(driver.findElements(By.cssSelector("svg#history polyline"))).hasSize(2);
    assertThat(driver.findElements(By.cssSelector("#importance tr"))).hasSize(3);
    assertThat(driver.findElements(By.cssSelector("svg#parallel g.trial polyline"))).hasSize(4);
    assertThat(
            driver.findElements(By.cssSelector("svg#parallel g.axis")).stream()
                .map(a -> a.getAttribute("data-scale"))
                .toList())
        .containsExactlyInAnyOrder("log", "list", "linear"); // parameters in config order
    assertThat(driver.findElements(By.cssSelector("svg#slice-learningRate circle"))).hasSize(4);
    assertThat(driver.findElements(By.cssSelector("svg#slice-batchSize circle"))).hasSize(4);
    assertThat(driver.findElement(By.id("slice-learningRate")).getAttribute("data-scale"))
        .isEqualTo("log");
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
