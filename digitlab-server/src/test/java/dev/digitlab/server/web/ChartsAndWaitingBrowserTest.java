package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.experiments.ExperimentQuery;
import dev.digitlab.server.trials.TrialStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;

/**
 * Issue 19's chart and wording details that had no check, in real headless Chromium against a real
 * server whose embedded (CPU) worker trains a small MLP on MNIST: every curve chart titles both
 * axes, with the x title between the tick labels and the zoom slider, never under it or on another
 * text; the loss curve's smoothing, log scale and x-axis (step, epoch, images seen, wall time) on
 * the trial, experiment and compare pages; a trial that no online worker can take (it needs a GPU)
 * says why on the compare page and in the workers page's queue, as on its own page; and the form's
 * "≤ max" message writes the max as typed ({@code 0.0001}, never {@code 1.0E-4}).
 */
class ChartsAndWaitingBrowserTest extends BrowserTestServer {

  @Autowired TrialStore trials;

  /** Shared by the tests (one server per class): trained once, on first use. */
  private static long finished = -1;

  private static long needsGpu = -1;

  private long finishedTrial() throws Exception {
    if (finished < 0) {
      long experiment =
          submitExperiment(
              "name: curves\nconfig: {model: mlp, epochs: 2, hiddenSizes: [16], trainSubset: 3000,"
                  + " batchSize: 64, seed: 1}\n");
      // A small training, but a shared 2-core machine may run it at 100 images/s.
      awaitSucceeded(experiment, 1, Duration.ofMinutes(10));
      finished = trials.listByExperiment(experiment).getFirst().id();
    }
    return finished;
  }

  private long gpuTrial() throws Exception {
    if (needsGpu < 0) {
      long experiment =
          submitExperiment(
              "name: needs-gpu\nconfig: {model: mlp, epochs: 1, trainSubset: 0, device: gpu}\n");
      needsGpu = trials.listByExperiment(experiment).getFirst().id();
    }
    return needsGpu;
  }

  @Test
  void a_trial_no_worker_can_take_says_why_on_compare_and_in_the_queue() throws Exception {
    try {
      long gpu = gpuTrial();
      long done = finishedTrial();
      var driver = browser.driver;
      driver.get(url("/compare?trial=" + gpu + "&trial=" + done));
      assertThat(driver.findElement(By.cssSelector("[data-waiting='" + gpu + "']")).getText())
          .contains("waiting for a worker with capability gpu")
          .contains("device: auto");
      assertThat(driver.findElements(By.cssSelector("[data-waiting='" + done + "']"))).isEmpty();
      // A train subset of 0 means every image: the config differences say "all", not 0.
      assertThat(
              driver.findElements(By.cssSelector("#config-diff tbody tr")).stream()
                  .map(tr -> tr.getAttribute("textContent").replaceAll("\\s+", " ").strip())
                  .filter(text -> text.startsWith("Train subset"))
                  .toList())
          .singleElement()
          .satisfies(
              row -> assertThat(row).isIn("Train subset ≠ all 3000", "Train subset ≠ 3000 all"));
      browser.screenshots("compare-waiting");

      // (The page re-reads its table every 3 s: each read is repeated if that swapped it out.)
      driver.get(url("/workers"));
      By queued = By.cssSelector("tr[data-queued='" + gpu + "']");
      assertThat(
              browser.<String>read(
                  d ->
                      d.findElement(queued)
                          .findElement(By.cssSelector("[data-waiting='" + gpu + "']"))
                          .getText()))
          .contains("waiting for a worker with capability gpu");
      assertThat(browser.text(queued)).contains("gpu");
      // The slot that cannot take it lists what it can run (it showed "–").
      assertThat(
              browser.<String>read(
                  d ->
                      d.findElement(By.cssSelector("tr[data-worker='embedded-1']"))
                          .findElements(By.tagName("td"))
                          .get(5)
                          .getText()))
          .isEqualTo("cpu");
      browser.screenshots("workers-waiting");

      browser.clearConsole();
      driver.get(url("/trials/" + gpu));
      assertThat(driver.findElement(By.id("waiting-for")).getText()).contains("capability gpu");
      // No test results yet: the page does not ask for them (each 404 was a console error).
      assertThat(
              browser.consoleErrors(
                  d -> !d.findElement(By.id("confusion-note")).getText().isEmpty()))
          .isEmpty();
      assertThat(driver.findElement(By.id("confusion-note")).getText())
          .isEqualTo("No test results yet.");
    } catch (Throwable failure) {
      browser.evidence("waiting-failure");
      throw failure;
    }
  }

  @Test
  void curves_title_both_axes_clear_of_the_slider_and_offer_smoothing_log_and_x_axes()
      throws Exception {
    try {
      long trial = finishedTrial();
      var driver = browser.driver;

      // The trial page: times in one style, to the second; the loss per step, then each control.
      driver.get(url("/trials/" + trial));
      assertThat(driver.findElement(By.cssSelector("dl.facts")).getText())
          .containsPattern("Started\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d")
          .doesNotContainPattern("\\d\\dT\\d\\d|:\\d\\d\\.\\d");
      browser.waiting(LONG).until(d -> browser.chartPoints("step-curve") > 0);
      titlesReadWell("step-curve", "step", "train_loss");
      double lastStep = xMax("step-curve");
      assertThat(lastStep).isGreaterThan(10);
      Map<String, Object> raw = line("step-curve");
      slide("smoothing", "0.9");
      assertThat(driver.findElement(By.id("smoothing-value")).getText()).isEqualTo("0.9");
      Map<String, Object> smoothed = line("step-curve");
      assertThat(smoothed.get("points")).isEqualTo(raw.get("points"));
      // An exponential moving average wanders less than the steps it averages.
      assertThat(((Number) smoothed.get("wander")).doubleValue())
          .isLessThan(((Number) raw.get("wander")).doubleValue() * 0.8);
      slide("smoothing", "0");
      assertThat(((Number) line("step-curve").get("wander")).doubleValue())
          .isEqualTo(((Number) raw.get("wander")).doubleValue());
      driver.findElement(By.id("log-scale")).click();
      assertThat(yType("step-curve")).isEqualTo("log");
      titlesReadWell("step-curve", "step", "train_loss");
      driver.findElement(By.id("log-scale")).click();
      assertThat(yType("step-curve")).isEqualTo("value");
      new Select(driver.findElement(By.id("step-x"))).selectByValue("epoch");
      titlesReadWell("step-curve", "epoch", "train_loss");
      assertThat(xMax("step-curve")).isEqualTo(2.0);
      new Select(driver.findElement(By.id("step-x"))).selectByValue("images");
      titlesReadWell("step-curve", "images seen", "train_loss");
      // Batch size 64: the last step is 64 × its number of images.
      assertThat(xMax("step-curve")).isEqualTo(lastStep * 64);
      new Select(driver.findElement(By.id("step-x"))).selectByValue("time");
      titlesReadWell("step-curve", "wall time (s from the first point)", "train_loss");
      assertThat(xMin("step-curve")).isZero();
      // Seconds from the first point, to the tenth, as the API's times give them. Not "positive":
      // on a fast machine this small training logs all its losses within 50 ms, which shows as 0.
      assertThat(xMax("step-curve")).isEqualTo(lossTimeSpan(trial));
      browser.screenshots("trial-curves-by-time");
      // The per-epoch chart: the epoch, and a title on each of its two value axes.
      browser.waiting(LONG).until(d -> browser.chartPoints("epoch-curves") > 0);
      titlesReadWell("epoch-curves", "epoch", "loss");
      titlesReadWell("epoch-curves", "epoch", "accuracy / F1");
      // The confusion matrix: both titles along their axes.
      browser.waiting(LONG).until(d -> browser.chartPoints("confusion") == 100);
      titlesReadWell("confusion", "predicted digit", "true digit");

      // The experiment page: the same controls over the trials' curves.
      long experiment = trials.get(trial).experimentId();
      driver.get(url("/experiments/" + experiment));
      browser.waiting(LONG).until(d -> browser.chartPoints("curves") > 0);
      titlesReadWell("curves", "step", "train_loss");
      new Select(driver.findElement(By.id("curve-x"))).selectByValue("images");
      titlesReadWell("curves", "images seen", "train_loss");
      assertThat(xMax("curves")).isEqualTo(lastStep * 64);
      driver.findElement(By.id("curve-log")).click();
      assertThat(yType("curves")).isEqualTo("log");
      Map<String, Object> before = line("curves");
      slide("curve-smoothing", "0.9");
      assertThat(((Number) line("curves").get("wander")).doubleValue())
          .isLessThan(((Number) before.get("wander")).doubleValue() * 0.8);
      assertThat(browser.chartTexts("test-bars").stream().map(t -> (String) t.get("text")).toList())
          .contains("test set score");

      // Compare: smoothing and the wall-time axis (epoch, images and log have their check in
      // DailyWorkflowBrowserTest).
      driver.get(url("/compare?trial=" + trial));
      browser.waiting(LONG).until(d -> browser.chartPoints("curves") > 0);
      titlesReadWell("curves", "step", "train_loss");
      Map<String, Object> unsmoothed = line("curves");
      slide("curve-smoothing", "0.9");
      assertThat(((Number) line("curves").get("wander")).doubleValue())
          .isLessThan(((Number) unsmoothed.get("wander")).doubleValue() * 0.8);
      new Select(driver.findElement(By.id("curve-x"))).selectByValue("time");
      titlesReadWell("curves", "wall time (s from the first point)", "train_loss");
      assertThat(xMin("curves")).isZero();
      browser.phoneWidth();
      titlesReadWell("curves", "wall time (s from the first point)", "train_loss");
      browser.desktopWidth();
    } catch (Throwable failure) {
      browser.evidence("curves-failure");
      throw failure;
    }
  }

  /**
   * A deleted trial stops counting, as a deleted MLflow run vanishes: of three finished trials the
   * best is deleted through the runs table's API; the experiment page counts 2 and names another
   * best, the experiments list says 2/2 with the remaining best figures, compare leaves it out, and
   * the trial stays readable by id as deleted.
   */
  @Test
  void a_deleted_trial_stops_counting() throws Exception {
    try {
      long grid =
          submitExperiment(
              "name: three-to-two\nconfig: {model: mlp, epochs: 1, hiddenSizes: [8],"
                  + " trainSubset: 300, batchSize: 64, seed: 2}\n"
                  + "search: {type: grid, parameters: {learningRate: [0.5, 0.05, 0.0005]}}\n");
      awaitSucceeded(grid, 3, Duration.ofMinutes(10));
      var before = experimentStore.find(grid).orElseThrow();
      long best = before.bestTrialId();
      List<Long> others =
          trials.listByExperiment(grid).stream().map(t -> t.id()).filter(id -> id != best).toList();
      var delete =
          java.net.http.HttpClient.newHttpClient()
              .send(
                  java.net.http.HttpRequest.newBuilder(
                          java.net.URI.create(url("/api/v1/trials/delete")))
                      .header("Content-Type", "application/json")
                      .POST(
                          java.net.http.HttpRequest.BodyPublishers.ofString(
                              "{\"trials\": [" + best + "]}"))
                      .build(),
                  java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(delete.statusCode()).as(delete.body()).isEqualTo(200);

      var after = experimentStore.find(grid).orElseThrow();
      assertThat(after.bestTrialId()).isIn(others);
      double remainingBest =
          others.stream()
              .map(id -> trials.get(id).testAccuracy())
              .max(Double::compare)
              .orElseThrow();
      assertThat(after.bestTestAccuracy()).isEqualTo(remainingBest);

      var driver = browser.driver;
      driver.get(url("/experiments/" + grid));
      assertThat(driver.findElement(By.id("trial-counts")).getText())
          .startsWith("2 in all: 0 queued, 0 running, 2 succeeded");
      assertThat(driver.findElements(By.cssSelector("tr[data-trial='" + best + "']"))).isEmpty();
      assertThat(
              driver.findElements(
                  By.cssSelector("tr.best[data-trial='" + after.bestTrialId() + "']")))
          .hasSize(1);

      // (The list re-reads itself every 2 s while an experiment is queued, as the other test's
      // needs-gpu one stays: the cells are read again if that swapped them out.)
      driver.get(url("/"));
      List<String> cells =
          browser.read(
              d ->
                  d.findElements(By.cssSelector("tr[data-id='" + grid + "'] td")).stream()
                      .map(WebElement::getText)
                      .toList());
      assertThat(cells.get(6)).isEqualTo("2/2");
      assertThat(cells.get(3)).isEqualTo(dev.digitlab.server.web.Figures.percent(remainingBest));

      driver.get(url("/compare?trial=" + best + "&trial=" + others.getFirst()));
      assertThat(driver.findElement(By.cssSelector(".error-text")).getText())
          .contains(String.valueOf(best))
          .contains("deleted");
      assertThat(driver.findElements(By.cssSelector("[data-waiting='" + best + "']"))).isEmpty();
      assertThat(trials.get(best).lifecycleStage()).isEqualTo("deleted");
    } catch (Throwable failure) {
      browser.evidence("deleted-trial-failure");
      throw failure;
    }
  }

  @Test
  void a_min_equal_to_its_max_is_fine_and_above_it_says_the_max_as_typed() throws Exception {
    try {
      var driver = browser.driver;
      long stored = experimentStore.list(ExperimentQuery.newestFirst()).total();
      driver.get(url("/experiments/new"));
      // Labels in words ("Learning rate", not "learningRate"), and the search type's select wide
      // enough for its longest choice (it was cut off), on a desktop and on a phone.
      assertThat(
              (List<?>)
                  browser.js(
                      "return Array.from(document.querySelectorAll('#new-experiment label'))"
                          + ".map(l => l.textContent.trim()).filter(t => /[a-z][A-Z]/.test(t));"))
          .isEmpty();
      String room =
          "const s = document.getElementById('searchType');"
              + " const c = document.createElement('canvas').getContext('2d');"
              + " c.font = getComputedStyle(s).font;"
              + " return s.clientWidth - Math.max(...Array.from(s.options)"
              + "   .map(o => c.measureText(o.text).width));";
      assertThat(((Number) browser.js(room)).doubleValue()).isGreaterThanOrEqualTo(16);
      browser.phoneWidth();
      assertThat(((Number) browser.js(room)).doubleValue()).isGreaterThanOrEqualTo(16);
      browser.desktopWidth();
      type("name", "tiny-range");
      new Select(driver.findElement(By.id("searchType"))).selectByValue("random");
      new Select(driver.findElement(By.id("s-field-0"))).selectByValue("learningRate");
      new Select(driver.findElement(By.id("s-kind-0"))).selectByValue("log");
      type("s-min-0", "0.0001");
      // With no max yet the count names a problem. Waiting for it first makes the "will be
      // queued" below the answer to both bounds typed: without it, the count the page opened
      // with (or the answer to an earlier state of the form), not yet replaced by a slow server,
      // passed the wait below at its first look and the check after it proved nothing.
      browser
          .waiting(Duration.ofSeconds(20))
          .until(
              ExpectedConditions.textToBePresentInElementLocated(By.id("trial-count"), "problem"));
      type("s-max-0", "0.0001");
      browser
          .waiting(Duration.ofSeconds(20))
          .until(
              ExpectedConditions.textMatches(
                  By.id("trial-count"), java.util.regex.Pattern.compile("\\d+ trials? will be")));
      assertThat(driver.findElement(By.id("trial-count")).getText()).doesNotContain("problem");

      type("s-min-0", "0.00011");
      browser
          .waiting(Duration.ofSeconds(20))
          .until(
              ExpectedConditions.textToBePresentInElementLocated(
                  By.id("trial-count"), "must be ≤ max (0.0001), got 0.00011"));
      // In words, as the form labels it: not "search.parameters.learningRate.min", not 1.0E-4.
      assertThat(driver.findElement(By.id("trial-count")).getText())
          .doesNotContain("E-", "search.parameters", "learningRate");
      driver.findElement(By.id("submit-experiment")).click();
      WebElement row =
          browser
              .waiting(Duration.ofSeconds(20))
              .until(
                  ExpectedConditions.visibilityOfElementLocated(
                      By.cssSelector("table[aria-label='Searched parameters'] tr.field-error")));
      assertThat(row.getText()).contains("must be ≤ max (0.0001)").doesNotContain("E-");
      // The values stay as typed in their fields, not re-written as 1.1E-4.
      assertThat(driver.findElement(By.id("s-min-0")).getAttribute("value")).isEqualTo("0.00011");
      assertThat(driver.findElement(By.id("s-max-0")).getAttribute("value")).isEqualTo("0.0001");
      assertThat(experimentStore.list(ExperimentQuery.newestFirst()).total()).isEqualTo(stored);
    } catch (Throwable failure) {
      browser.evidence("max-failure");
      throw failure;
    }
  }

  /**
   * Both axis titles of the curve chart {@code id} are drawn, none on another text, the x title
   * above the zoom slider and the y title upright along its axis, inside the chart.
   */
  private void titlesReadWell(String id, String xTitle, String yTitle) {
    List<Map<String, Object>> texts = browser.chartTexts(id);
    Map<String, Object> x = only(texts, xTitle);
    Map<String, Object> y = only(texts, yTitle);
    Number sliderTop =
        (Number)
            browser.js(
                "const c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
                    + " const z = (c.getOption().dataZoom || []).find(d => d.type === 'slider');"
                    + " return z ? c.getHeight() - z.bottom - z.height : c.getHeight();",
                id);
    assertThat(num(x, "bottom"))
        .as(xTitle + " above the zoom slider")
        .isLessThanOrEqualTo(sliderTop.doubleValue());
    assertThat(num(y, "left")).as(yTitle + " inside the chart").isGreaterThanOrEqualTo(0);
    assertThat(num(y, "bottom") - num(y, "top"))
        .as(yTitle + " runs along the axis")
        .isGreaterThan(num(y, "right") - num(y, "left"));
    for (Map<String, Object> title : List.of(x, y)) {
      for (Map<String, Object> other : texts) {
        if (other != title) {
          assertThat(overlap(title, other))
              .as("%s overlaps %s", title.get("text"), other.get("text"))
              .isFalse();
        }
      }
    }
  }

  private static Map<String, Object> only(List<Map<String, Object>> texts, String text) {
    List<Map<String, Object>> found =
        texts.stream().filter(t -> text.equals(t.get("text"))).toList();
    assertThat(found).as("the chart's texts %s have '%s' once", texts, text).hasSize(1);
    return found.getFirst();
  }

  private static boolean overlap(Map<String, Object> a, Map<String, Object> b) {
    return num(a, "left") < num(b, "right") - 1
        && num(b, "left") < num(a, "right") - 1
        && num(a, "top") < num(b, "bottom") - 1
        && num(b, "top") < num(a, "bottom") - 1;
  }

  private static double num(Map<String, Object> box, String key) {
    return ((Number) box.get(key)).doubleValue();
  }

  /** Moves a range input as a user's drag does (an input event). */
  private void slide(String id, String value) {
    browser.js(
        "const s = document.getElementById(arguments[0]); s.value = arguments[1];"
            + " s.dispatchEvent(new Event('input'));",
        id,
        value);
  }

  /** The first series' point count and how far it wanders: the sum of |y[i] - y[i-1]|. */
  @SuppressWarnings("unchecked")
  private Map<String, Object> line(String id) {
    return (Map<String, Object>)
        browser.js(
            "const d = echarts.getInstanceByDom(document.getElementById(arguments[0]))"
                + ".getOption().series[0].data;"
                + " let wander = 0; for (let i = 1; i < d.length; i++) {"
                + "   wander += Math.abs(d[i][1] - d[i - 1][1]); }"
                + " return {points: d.length, wander: wander};",
            id);
  }

  /** The span of the trial's train_loss times from the metrics API, in seconds to the tenth. */
  private double lossTimeSpan(long trial) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            url(
                                "/api/v1/trials/"
                                    + trial
                                    + "/metrics?keys=train_loss&points=1000")))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    long first = Long.MAX_VALUE;
    long last = Long.MIN_VALUE;
    for (JsonNode point : Json.mapper().readTree(response.body()).get("train_loss")) {
      long millis = Instant.parse(point.get("time").asString()).toEpochMilli();
      first = Math.min(first, millis);
      last = Math.max(last, millis);
    }
    return Math.round((last - first) / 100.0) / 10.0;
  }

  private double xMax(String id) {
    return xEnd(id, "Math.max");
  }

  private double xMin(String id) {
    return xEnd(id, "Math.min");
  }

  private double xEnd(String id, String pick) {
    return ((Number)
            browser.js(
                "const s = echarts.getInstanceByDom(document.getElementById(arguments[0]))"
                    + ".getOption().series;"
                    + " return "
                    + pick
                    + ".apply(null, s.flatMap(x => x.data.map(p => p[0])));",
                id))
        .doubleValue();
  }

  private Object yType(String id) {
    return browser.js(
        "return echarts.getInstanceByDom(document.getElementById(arguments[0])).getOption()"
            + ".yAxis[0].type;",
        id);
  }

  private void type(String id, String text) {
    WebElement field = browser.driver.findElement(By.id(id));
    field.clear();
    field.sendKeys(text);
  }
}
