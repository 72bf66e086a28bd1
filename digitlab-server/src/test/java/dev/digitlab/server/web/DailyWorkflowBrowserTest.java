package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
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
 * What a daily MLflow or W&amp;B user does, in real headless Chromium against a real server whose
 * embedded worker trains tiny MLPs on MNIST: watch an experiment's badge and counts turn "running"
 * live, pick two trials with the checkboxes and compare them (final metrics with the best marked,
 * differences only, bars for a final-only metric), register the better one's model from the
 * experiment page's "Register best model" and promote it, compare two versions from /models, and
 * edit the experiment's description, tags and notes. On the way it checks what the screenshots had
 * shown wrong: the parallel coordinates' listed learning rate on a category axis and every chart
 * label inside its box, the slice plot's y title clear of its select, the trial page's epoch axis
 * from epoch 1 with the test accuracy as a final value at the last epoch, compare's speed figures
 * plain and unranked, and its bars from 0.
 */
class DailyWorkflowBrowserTest extends BrowserTestServer {

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;

  @Test
  void compare_register_promote_and_edit_from_the_pages() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("daily-failure");
      throw failure;
    }
  }

  private void userPath() throws Exception {
    var driver = browser.driver;

    // A long trial holds the only worker slot, so the grid below stays queued until it is
    // cancelled: its page is open while its first trial starts. Long on any machine: 1,000 epochs
    // of every training image, minutes even where a small MLP learns 120,000 images/s (the 800,000
    // images it had, 400 epochs of 2,000, took seconds there: this test may need longer).
    long blocker = submit("name: blocker\nconfig: {model: mlp, epochs: 1000, trainSubset: 0}\n");
    long blocking = trials.listByExperiment(blocker).getFirst().id();
    Waiting.until(
        () -> trials.get(blocking).status(),
        s -> s == TrialStatus.RUNNING,
        LONG,
        "the blocking trial running");
    long grid =
        submit(
            """
            name: daily-grid
            description: two learning rates
            config: {model: mlp, epochs: 2, hiddenSizes: [16], trainSubset: 4000, seed: 3}
            search: {type: grid, parameters: {learningRate: [0.0005, 0.01]}}
            """);
    List<Trial> pair = trials.listByExperiment(grid);
    // The workers page's queue: the grid's two trials waiting, in the order a worker takes them,
    // with their priority; the busy slot shows the trial it runs.
    // (The page re-reads its table every 3 s: each read is repeated if that swapped it out.)
    driver.get(url("/workers"));
    List<String> queued =
        browser.read(
            d ->
                d.findElements(By.cssSelector("#queue-table tbody tr")).stream()
                    .map(
                        tr ->
                            tr.getAttribute("data-queued")
                                + " priority "
                                + tr.findElements(By.tagName("td")).get(3).getText())
                    .toList());
    assertThat(queued)
        .containsExactly(pair.get(0).id() + " priority 0", pair.get(1).id() + " priority 0");
    assertThat(browser.text(By.cssSelector("tr[data-worker='embedded-1']")))
        .contains("trial " + blocking);
    driver.get(url("/experiments/" + grid));
    assertThat(driver.findElement(By.id("experiment-status")).getText()).isEqualTo("queued");
    browser.js("window.stillTheSamePage = true;");
    browser.screenshots("experiment-queued");

    // Live: the badge, the row and the counts say "running" while the page stays the same page.
    // Watched in the page at every change, not polled every 200 ms: a fast machine may train this
    // grid (two trials of 8,000 images through a 16-unit MLP) within a second, and the page
    // reloads once it has ended, so the running state may not last until the next poll. What was
    // seen is kept in the tab's sessionStorage, which that reload keeps.
    browser.js(
        "sessionStorage.removeItem('sawRunning');"
            + " const observer = new MutationObserver(() => {"
            + "   const badge = document.getElementById('experiment-status');"
            + "   const counts = document.getElementById('trial-counts');"
            + "   if (badge && badge.textContent.trim() === 'running'"
            + "       && counts && counts.textContent.includes('1 running')"
            + "       && document.querySelector('#trial-table .status.running')) {"
            + "     observer.disconnect();"
            + "     sessionStorage.setItem('sawRunning', JSON.stringify({"
            + "       samePage: window.stillTheSamePage === true,"
            + "       table: document.getElementById('trial-table').innerText}));"
            + "   } });"
            + " observer.observe(document.body,"
            + "   {subtree: true, childList: true, characterData: true, attributes: true});");
    http("POST", "/api/v1/trials/" + blocking + "/cancel");
    String sawRunning =
        browser
            .waiting(LONG)
            .withMessage("the page showed the grid running")
            .until(d -> (String) browser.js("return sessionStorage.getItem('sawRunning');"));
    JsonNode seen = Json.mapper().readTree(sawRunning);
    assertThat(seen.path("samePage").asBoolean()).as("still the same page").isTrue();
    assertThat(seen.path("table").asString()).doesNotContainPattern("queued\\s+[1-9]\\d* %");
    browser.screenshots("experiment-running-live");
    Waiting.until(
        () -> experiments.find(grid).orElseThrow().status(),
        s -> s == ExperimentStatus.SUCCEEDED || s == ExperimentStatus.FAILED,
        // Two small trainings, but a shared 2-core machine may run them at 100 images/s.
        Duration.ofMinutes(10),
        "experiment " + grid + " finished");
    assertThat(experiments.find(grid).orElseThrow().status()).isEqualTo(ExperimentStatus.SUCCEEDED);

    // The workers page after: processed · ✓ · ✗ per worker (the cancelled blocker and the two
    // grid trials) and each one in the worker's recent history.
    driver.get(url("/workers"));
    assertThat(browser.text(By.cssSelector("tr[data-worker='embedded-1'] .processed")))
        .isEqualTo("3");
    assertThat(browser.text(By.cssSelector("tr[data-worker='embedded-1'] .ok"))).isEqualTo("2 ✓");
    assertThat(driver.findElements(By.cssSelector("[data-recent='embedded-1'] li"))).hasSize(3);
    assertThat(driver.findElements(By.id("queue-empty"))).hasSize(1);

    // Compare: tick both trials, "Compare selected".
    driver.get(url("/experiments/" + grid));
    searchPlotsReadWell();
    for (Trial t : pair) {
      driver.findElement(By.cssSelector("input[name='trial'][value='" + t.id() + "']")).click();
    }
    driver.findElement(By.id("compare-selected")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            ExpectedConditions.urlMatches(
                "/compare\\?trial=" + pair.get(0).id() + "&trial=" + pair.get(1).id() + "$"));
    WebElement accuracy = driver.findElement(By.cssSelector("tr[data-metric='test_accuracy']"));
    List<WebElement> cells = accuracy.findElements(By.tagName("td"));
    assertThat(cells).hasSize(2);
    assertThat(cells.get(0).getText()).matches("★? ?\\d+\\.\\d\\d %");
    assertThat(accuracy.findElements(By.cssSelector("td.best-value"))).hasSize(1);
    // Differences only: the learning rate is the one config field that differs.
    List<WebElement> shown = visibleRows("#config-diff tbody tr");
    assertThat(shown).hasSize(1);
    assertThat(shown.getFirst().getText())
        .startsWith("Learning rate ≠")
        .contains("0.0005")
        .contains("0.01");
    driver.findElement(By.id("differences-only")).click();
    assertThat(visibleRows("#config-diff tbody tr").size()).isGreaterThan(5);
    driver.findElement(By.id("differences-only")).click();
    // A final-only metric is a bar per trial.
    browser.waiting(LONG).until(d -> browser.chartPoints("curves") > 0);
    new Select(driver.findElement(By.id("curve-metric"))).selectByValue("test_accuracy");
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            d ->
                "bar"
                    .equals(
                        browser.js(
                            "const c = echarts.getInstanceByDom(document.getElementById('curves'));"
                                + " const s = c && c.getOption().series;"
                                + " return s && s.length ? s[0].type : null;")));
    assertThat(browser.chartPoints("curves")).isEqualTo(2);
    // A bar's length is its value: the axis runs from 0 to 100 %, not from 0.83.
    @SuppressWarnings("unchecked")
    List<Number> barAxis =
        (List<Number>)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('curves')).getModel()"
                    + ".getComponent('yAxis', 0).axis.scale.getExtent();");
    assertThat(barAxis.get(0).doubleValue()).isZero();
    assertThat(barAxis.get(1).doubleValue()).isEqualTo(1.0);
    // Speed measures the machine, not the trial: whole images per second and seconds, no ★.
    WebElement speed = driver.findElement(By.cssSelector("tr[data-metric='images_per_second']"));
    assertThat(speed.findElements(By.cssSelector("td.best-value"))).isEmpty();
    speed.findElements(By.tagName("td")).forEach(c -> assertThat(c.getText()).matches("[\\d,]+"));
    WebElement seconds = driver.findElement(By.cssSelector("tr[data-metric='train_seconds']"));
    assertThat(seconds.findElements(By.cssSelector("td.best-value"))).isEmpty();
    seconds
        .findElements(By.tagName("td"))
        .forEach(c -> assertThat(c.getText()).matches("\\d+\\.\\d s"));
    browser.screenshots("compare-selected");
    perStepAxesChange();

    // Register the better trial's model: "Register best model" on the experiment page opens the
    // form on the best trial's page. Then promote it on /models.
    long best = experiments.find(grid).orElseThrow().bestTrialId();
    driver.get(url("/experiments/" + grid));
    driver.findElement(By.id("register-best")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.urlContains("/trials/" + best));
    epochChartReadsWell();
    assertThat(driver.findElement(By.id("register")).getAttribute("open")).isNotNull();
    confusionScaleIsTheErrors(best);
    // An artifact previewed in the page: the confusion-matrix report's JSON, indented.
    browser
        .waiting(LONG)
        .until(
            ExpectedConditions.elementToBeClickable(
                By.cssSelector("#artifacts button[data-preview$='.json']")))
        .click();
    String preview =
        browser
            .waiting(Duration.ofSeconds(20))
            .until(
                ExpectedConditions.visibilityOfElementLocated(
                    By.cssSelector("#artifact-preview pre")))
            .getText();
    assertThat(preview).matches("(?s)[\\[{]\n  .*");
    driver.findElement(By.id("register-name")).sendKeys("daily-digits");
    driver.findElement(By.id("register-description")).sendKeys("lr picked in the browser");
    browser.screenshots("trial-register");
    driver.findElement(By.id("register-submit")).click();
    browser.waiting(Duration.ofSeconds(30)).until(ExpectedConditions.urlContains("/models"));
    assertThat(driver.findElement(By.cssSelector("p.message")).getText())
        .contains("registered as daily-digits v1");
    WebElement v1 = driver.findElement(By.cssSelector("#model-daily-digits tr[data-version='1']"));
    assertThat(v1.getText()).contains("lr picked in the browser");
    assertThat(v1.findElements(By.cssSelector(".aliases .tag"))).isEmpty();
    v1.findElement(By.xpath(".//button[.='Promote to production']")).click();
    browser
        .waiting(Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("p.message"), "production now points at v1"));
    v1 = driver.findElement(By.cssSelector("#model-daily-digits tr[data-version='1']"));
    assertThat(v1.findElement(By.cssSelector(".aliases")).getText()).isEqualTo("production");
    assertThat(v1.findElements(By.xpath(".//button[.='Promote to production']"))).isEmpty();
    driver.findElement(By.cssSelector("#model-daily-digits details summary")).click();
    assertThat(driver.findElement(By.cssSelector("#model-daily-digits details tbody tr")).getText())
        .contains("promoted")
        .contains("production")
        .contains("v1");
    browser.screenshots("models");

    // The other trial as v2 (through the API), then both versions side by side from /models:
    // the learning rate is the one config field that differs.
    long other = pair.get(0).id() == best ? pair.get(1).id() : pair.get(0).id();
    post("/api/v1/models/daily-digits/versions", "{\"trialId\": " + other + "}");
    driver.get(url("/models"));
    // Fewer than two ticked, the comparison is refused (it was a click to a 400 error page): the
    // button waits for the second.
    WebElement compareVersions =
        driver.findElement(By.cssSelector("button[form='compare-daily-digits']"));
    assertThat(compareVersions.isEnabled()).isFalse();
    for (String v : new String[] {"1", "2"}) {
      driver
          .findElement(
              By.cssSelector(
                  "#model-daily-digits tr[data-version='"
                      + v
                      + "'] input[type=checkbox][name=version]"))
          .click();
      assertThat(compareVersions.isEnabled()).as("v1..v%s ticked", v).isEqualTo(v.equals("2"));
    }
    compareVersions.click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.urlContains("/models/daily-digits/compare"));
    assertThat(driver.findElement(By.cssSelector("#version-compare thead")).getText())
        .contains("v1", "v2");
    List<WebElement> differing = visibleRows("#version-config tbody tr");
    assertThat(differing).hasSize(1);
    assertThat(differing.getFirst().getText()).startsWith("Learning rate ≠");
    driver.findElement(By.id("differences-only")).click();
    assertThat(visibleRows("#version-config tbody tr").size()).isGreaterThan(5);
    driver.findElement(By.id("differences-only")).click();
    assertThat(visibleRows("#version-config tbody tr")).hasSize(1);

    // Edit the experiment's description, tags and notes on its page.
    driver.get(url("/experiments/" + grid));
    driver.findElement(By.cssSelector("#edit-experiment summary")).click();
    WebElement description = driver.findElement(By.id("edit-description"));
    description.clear();
    description.sendKeys("0.01 beats 0.0005 in two epochs");
    WebElement tags = driver.findElement(By.id("edit-tags"));
    tags.clear();
    tags.sendKeys("mlp, lr-sweep");
    driver.findElement(By.id("edit-notes")).sendKeys("next: try 3 epochs");
    driver.findElement(By.id("edit-save")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            ExpectedConditions.textToBe(
                By.id("experiment-description"), "0.01 beats 0.0005 in two epochs"));
    assertThat(driver.findElement(By.id("summary")).getText()).contains("mlp").contains("lr-sweep");
    assertThat(driver.findElement(By.id("experiment-notes")).getText())
        .isEqualTo("next: try 3 epochs");
    assertThat(experiments.find(grid).orElseThrow().tags()).containsExactly("mlp", "lr-sweep");
    browser.screenshots("experiment-edited");
  }

  /**
   * The experiment page's parallel coordinates and slice plot: the listed learning rates on a
   * category axis in their order, lines coloured by the objective (the last axis), no label cut off
   * at the chart's edge, and the slice plot's y title along its axis, below the parameter select.
   */
  @SuppressWarnings("unchecked")
  private void searchPlotsReadWell() {
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            d ->
                !d.findElements(By.cssSelector("#parallel svg text")).isEmpty()
                    && !d.findElements(By.cssSelector("#slice svg text")).isEmpty()
                    && browser.chartPoints("curves") > 0);
    Map<String, Object> parallel =
        (Map<String, Object>)
            browser.js(
                "const o = echarts.getInstanceByDom(document.getElementById('parallel')).getOption();"
                    + " const a = o.parallelAxis.find(x => x.name === 'learningRate');"
                    + " return {type: a.type, data: a.data, colourBy: o.visualMap[0].dimension,"
                    + "   axes: o.parallelAxis.length};");
    assertThat(parallel).containsEntry("type", "category");
    assertThat((List<Object>) parallel.get("data")).containsExactly("0.0005", "0.01");
    assertThat(((Number) parallel.get("colourBy")).intValue())
        .isEqualTo(((Number) parallel.get("axes")).intValue() - 1);
    // Test results per trial: bars on an axis from 0 to 100 % (no 0.99 crowding 1).
    List<Number> testBars =
        (List<Number>)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('test-bars')).getModel()"
                    + ".getComponent('yAxis', 0).axis.scale.getExtent();");
    assertThat(testBars.get(0).doubleValue()).isZero();
    assertThat(testBars.get(1).doubleValue()).isEqualTo(1.0);
    // Legends name the searched value, not just "#0".
    assertThat(
            (List<Object>)
                browser.js(
                    "return echarts.getInstanceByDom(document.getElementById('curves')).getOption()"
                        + ".series.map(s => s.name);"))
        .anySatisfy(n -> assertThat((String) n).contains("learningRate=0.0005"))
        .anySatisfy(n -> assertThat((String) n).contains("learningRate=0.01"));
    // The timeline: a bar per trial; the two ran one after the other on the one slot, so one lane.
    Map<String, Object> timeline =
        (Map<String, Object>)
            browser.js(
                "const o = echarts.getInstanceByDom(document.getElementById('timeline')).getOption();"
                    + " return {rows: o.yAxis[0].data, bars: o.series[0].data.length};");
    assertThat(((Number) timeline.get("bars")).intValue()).isEqualTo(2);
    assertThat((List<Object>) timeline.get("rows")).containsExactly("embedded-1");
    for (String chart : new String[] {"parallel", "slice"}) {
      assertThat(browser.textsOutside(chart)).as(chart + ": texts cut off").isEmpty();
    }
    Map<String, Object> title =
        (Map<String, Object>)
            browser.js(
                "const name = JSON.parse(document.getElementById('experiment-data').textContent)"
                    + ".objective;"
                    + " const t = Array.from(document.querySelectorAll('#slice svg text'))"
                    + "   .find(x => x.textContent === name).getBoundingClientRect();"
                    + " const s = document.getElementById('slice-parameter').getBoundingClientRect();"
                    + " return {top: t.top, selectBottom: s.bottom, upright: t.height > t.width};");
    assertThat(((Number) title.get("top")).doubleValue())
        .isGreaterThanOrEqualTo(((Number) title.get("selectBottom")).doubleValue());
    assertThat(title).containsEntry("upright", true);
  }

  /**
   * Compare's per-step curves: back to train_loss, against the epoch (two epochs: x ends at 2),
   * against the images seen (step × batch size), and on a log scale.
   */
  private void perStepAxesChange() {
    new Select(browser.driver.findElement(By.id("curve-metric"))).selectByValue("train_loss");
    browser.waiting(Duration.ofSeconds(30)).until(d -> "line".equals(firstSeriesType()));
    new Select(browser.driver.findElement(By.id("curve-x"))).selectByValue("epoch");
    assertThat(xAxis()).containsEntry("name", "epoch");
    assertThat(((Number) xAxis().get("max")).doubleValue()).isEqualTo(2.0);
    assertThat(((Number) xAxis().get("from")).doubleValue()).isZero(); // not the first step's 0.04
    new Select(browser.driver.findElement(By.id("curve-x"))).selectByValue("images");
    assertThat(xAxis()).containsEntry("name", "images seen");
    // 2 epochs of a 4,000-image subset (less the validation share): at most about 8,000.
    assertThat(((Number) xAxis().get("max")).doubleValue()).isBetween(6000.0, 8300.0);
    browser.driver.findElement(By.id("curve-log")).click();
    assertThat(
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('curves')).getOption()"
                    + ".yAxis[0].type;"))
        .isEqualTo("log");
  }

  private Object firstSeriesType() {
    return browser.js(
        "const s = echarts.getInstanceByDom(document.getElementById('curves')).getOption().series;"
            + " return s && s.length ? s[0].type : null;");
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> xAxis() {
    return (Map<String, Object>)
        browser.js(
            "const c = echarts.getInstanceByDom(document.getElementById('curves'));"
                + " const x = c.getOption().xAxis[0];"
                + " let max = -Infinity; c.getOption().series.forEach(s => s.data.forEach(p =>"
                + "   { max = Math.max(max, p[0]); }));"
                + " return {name: x.name, max: max,"
                + "   from: c.getModel().getComponent('xAxis', 0).axis.scale.getExtent()[0]};");
  }

  /**
   * The confusion matrix colours the errors on their own scale: it ends at the largest off-diagonal
   * count, not at the diagonal's hundreds (which would make every error look pale).
   */
  @SuppressWarnings("unchecked")
  private void confusionScaleIsTheErrors(long trial) {
    browser
        .waiting(LONG)
        .until(d -> !d.findElements(By.cssSelector("#confusion canvas, #confusion svg")).isEmpty());
    Map<String, Object> scale =
        (Map<String, Object>)
            browser.js(
                "return fetch('/api/v1/trials/' + arguments[0] + '/confusion-matrix')"
                    + "   .then(r => r.json()).then(cm => { let errors = 0, right = 0;"
                    + "     cm.counts.forEach((row, t) => row.forEach((n, p) => {"
                    + "       if (t === p) { right = Math.max(right, n); }"
                    + "       else { errors = Math.max(errors, n); } }));"
                    + "     const v = echarts.getInstanceByDom(document.getElementById('confusion'))"
                    + "       .getOption().visualMap[0];"
                    + "     return {max: v.max, errors: errors, right: right}; });",
                trial);
    assertThat(((Number) scale.get("max")).longValue())
        .isEqualTo(Math.max(1, ((Number) scale.get("errors")).longValue()))
        .isLessThan(((Number) scale.get("right")).longValue());
  }

  /**
   * The trial page's per-epoch chart spans epochs 1 to 2 (the trial's two epochs, not 0 to 2), and
   * the test accuracy, measured once after training, is a labelled marker at the last epoch.
   */
  @SuppressWarnings("unchecked")
  private void epochChartReadsWell() {
    browser.waiting(LONG).until(d -> browser.chartPoints("epoch-curves") > 0);
    Map<String, Object> epochs =
        (Map<String, Object>)
            browser.js(
                "const c = echarts.getInstanceByDom(document.getElementById('epoch-curves'));"
                    + " const t = c.getOption().series.find(s => s.name.startsWith('test_accuracy'));"
                    + " return {extent: c.getModel().getComponent('xAxis', 0).axis.scale"
                    + ".getExtent(), type: t.type, at: t.data[0][0], label: t.label.show};");
    List<Number> extent = (List<Number>) epochs.get("extent");
    assertThat(extent.get(0).doubleValue()).isEqualTo(1.0);
    assertThat(extent.get(1).doubleValue()).isEqualTo(2.0);
    assertThat(epochs).containsEntry("type", "scatter").containsEntry("label", true);
    assertThat(((Number) epochs.get("at")).doubleValue()).isEqualTo(2.0);
  }

  private List<WebElement> visibleRows(String selector) {
    return browser.driver.findElements(By.cssSelector(selector)).stream()
        .filter(WebElement::isDisplayed)
        .toList();
  }

  private long submit(String yaml) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/api/v1/experiments")))
                    .header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofString(yaml))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Long.parseLong(response.body().replaceAll("(?s)^\\{\"id\":(\\d+),.*", "$1"));
  }

  private void post(String path, String json) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url(path)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(json))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
  }

  private void http(String method, String path) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url(path)))
                    .method(method, HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isLessThan(300);
  }
}
