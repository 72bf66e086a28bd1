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
    String experimentId = experiment("browser-runs");
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
    // Read inside the wait: the form's swap can replace the element between a find and a read.
    String filterError =
        browser
            .waiting(Duration.ofSeconds(10))
            .until(d -> d.findElement(By.id("filter-error")).getText());
    assertThat(filterError).contains("Invalid filter");

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

  /**
   * An MLflow experiment as its daily user meets it: its own page charts the metrics the runs
   * logged (it offered only {@code train_loss}, which no run has, and drew nothing), its trial
   * links open the runs' pages (the trial page of a run showed empty charts and asked for a
   * confusion matrix it never has), a failed run offers no Retry (that queued it for ever), and a
   * long run name or param value neither hides the runs table's other columns nor widens the run's
   * page past the window.
   */
  @Test
  void an_mlflow_experiments_page_charts_its_runs_and_long_names_stay_in_the_window()
      throws Exception {
    String experimentId = experiment("browser-mlflow-page");
    String good = run(experimentId, "good", 0.7, "0.5");
    String longName = "sweep-" + "x".repeat(150);
    String longRun = run(experimentId, longName, 0.8, "v".repeat(3000));
    String failed = run(experimentId, "crashed", 0.9, "0.1");
    post("runs/update", "{\"run_id\": \"" + failed + "\", \"status\": \"FAILED\"}");

    var driver = browser.driver;
    driver.get(url("/experiments/" + experimentId));
    WebElement metric = driver.findElement(By.id("curve-metric"));
    assertThat(
            metric.findElements(By.tagName("option")).stream()
                .map(o -> o.getAttribute("value"))
                .toList())
        .containsExactly("rmse");
    browser.waiting(Duration.ofSeconds(30)).until(d -> browser.chartPoints("curves") == 3);
    assertThat(
            driver
                .findElement(By.cssSelector("#trial-table tr[data-trial='" + good + "'] a"))
                .getAttribute("href"))
        .endsWith("/runs/" + good);
    assertThat(
            driver
                .findElement(By.cssSelector("#trial-table tr[data-trial='" + failed + "']"))
                .findElements(By.tagName("button")))
        .isEmpty();

    driver.get(url("/experiments/" + experimentId + "/runs"));
    WebElement status =
        driver.findElement(
            By.cssSelector("#runs-table tr[data-run='" + longRun + "'] td:nth-child(4)"));
    assertThat(
            (Boolean)
                browser.js(
                    "const wrap = document.querySelector('.table-wrap').getBoundingClientRect();"
                        + " return arguments[0].getBoundingClientRect().right <= wrap.right;",
                    status))
        .as("the status of the run with a long name is in view, not pushed off to the right")
        .isTrue();
    browser.screenshots("mlflow-runs-long-name");

    driver.get(url("/runs/" + longRun));
    assertThat(driver.findElement(By.id("params-table")).getText()).contains("vvvv");
    browser.screenshots("mlflow-run-long-param");
  }

  /**
   * "Compare all" on an experiment of more runs than one comparison takes (50) led to a 400 error
   * page: every compare link on the page opens a comparison, and the button says why it is off.
   */
  @Test
  void compare_all_on_a_sweep_of_more_than_fifty_runs_is_no_error_page() throws Exception {
    String experimentId = experiment("browser-big-sweep");
    for (int i = 0; i < 51; i++) {
      post(
          "runs/create",
          "{\"experiment_id\": \"%s\", \"run_name\": \"sweep-%d\"}".formatted(experimentId, i));
    }

    var driver = browser.driver;
    driver.get(url("/experiments/" + experimentId));
    List<String> links =
        driver.findElements(By.cssSelector("a[href*='/compare']")).stream()
            .map(a -> a.getAttribute("href"))
            .toList();
    for (String link : links) {
      HttpResponse<String> page =
          http.send(
              HttpRequest.newBuilder(URI.create(link)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(page.statusCode()).as(link).isEqualTo(200);
    }
    assertThat(driver.findElement(By.id("compare-all")).getAttribute("title"))
        .contains("most 50 trials");
  }

  /**
   * A click on a column's header sorts the runs table by it, a second click the other way, as in
   * MLflow's and W&B's run tables (the headers were plain text: sorting took typing MLflow's
   * order_by grammar into a box). The filter and the chosen columns stay.
   */
  @Test
  void a_click_on_a_column_header_sorts_the_runs_by_it() throws Exception {
    String experimentId = experiment("browser-sort");
    run(experimentId, "middle", 0.7, "0.5");
    run(experimentId, "high", 0.9, "0.5");
    run(experimentId, "low", 0.6, "0.5");
    run(experimentId, "other-alpha", 0.1, "0.1");

    var driver = browser.driver;
    driver.get(url("/experiments/" + experimentId + "/runs?filter=params.alpha%3D'0.5'"));
    driver.findElement(By.linkText("metrics.rmse")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> names(d).equals(List.of("low", "middle", "high")));
    assertThat(driver.findElement(By.id("order")).getAttribute("value"))
        .isEqualTo("metrics.rmse ASC");
    assertThat(driver.findElement(By.id("filter")).getAttribute("value"))
        .isEqualTo("params.alpha='0.5'");
    driver.findElement(By.linkText("metrics.rmse")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> names(d).equals(List.of("high", "middle", "low")));
    driver.findElement(By.linkText("Run")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(d -> names(d).equals(List.of("high", "low", "middle")));
  }

  /**
   * An MLflow experiment whose runs have all ended showed "running" for ever (made so and never
   * rolled up), in the list, on its page and under the list's "running" filter. Its status now
   * rolls up from its runs, as a Digit Lab experiment's from its trials: running while a run runs,
   * succeeded once they all finished; a new run makes it running again.
   */
  @Test
  void an_mlflow_experiment_whose_runs_all_ended_is_not_running() throws Exception {
    String experimentId = experiment("browser-ended-runs");
    String first = run(experimentId, "first", 0.7, "0.5");
    String second = run(experimentId, "second", 0.8, "0.5");
    post("runs/update", "{\"run_id\": \"" + first + "\", \"status\": \"FINISHED\"}");
    post("runs/update", "{\"run_id\": \"" + second + "\", \"status\": \"FAILED\"}");

    var driver = browser.driver;
    driver.get(url("/?status=succeeded"));
    assertThat(listStatus(experimentId)).isEqualTo("succeeded");
    driver.get(url("/?status=running"));
    assertThat(driver.findElements(By.cssSelector("tr[data-id='" + experimentId + "']"))).isEmpty();
    driver.get(url("/experiments/" + experimentId));
    assertThat(driver.findElement(By.id("experiment-status")).getText()).isEqualTo("succeeded");

    run(experimentId, "third", 0.6, "0.5");
    driver.get(url("/?status=running"));
    assertThat(listStatus(experimentId)).isEqualTo("running");
  }

  /**
   * An MLflow experiment's page showed panels that are always empty for its runs: test results per
   * trial and the optimization history (it has no objective: "none"), a Progress of 0 % for
   * finished runs, timeline rows named after a worker that does not exist ("unknown · 2"), and a
   * Cancel experiment button the API refuses. They are left out; the timeline's rows are runs.
   */
  @Test
  void an_mlflow_experiments_page_shows_no_panels_that_are_always_empty_for_it() throws Exception {
    String experimentId = experiment("browser-mlflow-panels");
    String first = run(experimentId, "first", 0.7, "0.5");
    run(experimentId, "second", 0.8, "0.5");
    post("runs/update", "{\"run_id\": \"" + first + "\", \"status\": \"FINISHED\"}");

    var driver = browser.driver;
    browser.clearConsole();
    driver.get(url("/experiments/" + experimentId));
    assertThat(browser.consoleErrors(d -> browser.chartPoints("curves") == 2)).isEmpty();
    assertThat(driver.findElements(By.id("test-bars"))).isEmpty();
    assertThat(driver.findElements(By.id("history"))).isEmpty();
    assertThat(driver.findElements(By.cssSelector("#trial-table progress"))).isEmpty();
    assertThat(driver.findElement(By.cssSelector("#trial-table thead")).getText())
        .doesNotContain("Progress")
        .doesNotContain("Objective");
    assertThat(driver.findElement(By.id("summary")).getText()).doesNotContain("none");
    assertThat(driver.findElements(By.xpath("//button[text()='Cancel experiment']"))).isEmpty();
    @SuppressWarnings("unchecked")
    List<String> rows =
        (List<String>)
            browser.js(
                "return echarts.getInstanceByDom(document.getElementById('timeline'))"
                    + ".getOption().yAxis[0].data;");
    assertThat(rows).isNotEmpty().noneMatch(row -> row.contains("unknown"));
  }

  /**
   * A run's params were listed in no order (MLflow sorts them by key), and the runs table wrote
   * metrics with four significant digits, so 0.009010 sat beside 0.1157 with the decimal points
   * apart: a metric column now has one number of decimals for all its cells, the full value in each
   * cell's tooltip.
   */
  @Test
  void params_are_sorted_by_key_and_a_metric_column_lines_up() throws Exception {
    String experimentId = experiment("browser-params-order");
    String small = run(experimentId, "small", 0.00901, "0.5");
    String large = run(experimentId, "large", 0.1157, "0.5");
    List<String> keys = List.of("zeta", "beta", "omega", "delta", "kappa", "gamma", "epsilon");
    StringBuilder params = new StringBuilder();
    for (String key : keys) {
      params.append(",{\"key\": \"").append(key).append("\", \"value\": \"1\"}");
    }
    post(
        "runs/log-batch",
        "{\"run_id\": \"" + small + "\", \"params\": [" + params.substring(1) + "]}");

    var driver = browser.driver;
    driver.get(url("/runs/" + small));
    assertThat(
            driver.findElements(By.cssSelector("#params-table th")).stream()
                .map(WebElement::getText)
                .toList())
        .containsExactly("alpha", "beta", "delta", "epsilon", "gamma", "kappa", "omega", "zeta");

    driver.get(url("/experiments/" + experimentId + "/runs?params=&metrics=rmse"));
    WebElement smallCell =
        driver.findElement(By.cssSelector("#runs-table tr[data-run='" + small + "'] td.num"));
    WebElement largeCell =
        driver.findElement(By.cssSelector("#runs-table tr[data-run='" + large + "'] td.num"));
    assertThat(smallCell.getText()).isEqualTo("0.009010");
    assertThat(largeCell.getText()).isEqualTo("0.115700");
    assertThat(smallCell.getAttribute("title")).isEqualTo("0.00901");
    assertThat(largeCell.getAttribute("title")).isEqualTo("0.1157");
  }

  /**
   * A running run's page stood still until reloaded: its curves, its latest values and its status
   * now follow the run's event stream, as the trial page does (points logged through the MLflow API
   * while the page is open show without a reload; a key first logged then gets its own chart).
   */
  @Test
  void a_running_runs_page_follows_what_it_logs_live() throws Exception {
    String experimentId = experiment("browser-live-run");
    String id = run(experimentId, "live", 0.9, "0.5");

    var driver = browser.driver;
    browser.clearConsole();
    driver.get(url("/runs/" + id));
    browser.waiting(Duration.ofSeconds(30)).until(d -> curvePoints("rmse") == 1);
    post(
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [
          {"key": "rmse", "value": 0.8, "timestamp": 2000, "step": 1},
          {"key": "rmse", "value": 0.7, "timestamp": 3000, "step": 2},
          {"key": "rmse", "value": 0.625, "timestamp": 4000, "step": 3},
          {"key": "loss", "value": 2.5, "timestamp": 4000, "step": 3}]}
        """
            .formatted(id));
    browser.waiting(Duration.ofSeconds(30)).until(d -> curvePoints("rmse") == 4);
    browser.waiting(Duration.ofSeconds(10)).until(d -> curvePoints("loss") == 1);
    browser
        .waiting(Duration.ofSeconds(10))
        .until(
            d -> d.findElement(By.cssSelector("[data-latest='rmse']")).getText().contains("0.625"));
    assertThat(driver.findElement(By.id("run-status")).getText()).isEqualTo("running");

    post("runs/update", "{\"run_id\": \"" + id + "\", \"status\": \"FINISHED\"}");
    assertThat(
            browser.consoleErrors(
                d -> d.findElement(By.id("run-status")).getText().equals("succeeded")))
        .isEmpty();
  }

  /**
   * A run's curves had no smoothing and no x-axis but the step. The smoothing slider draws W&B's
   * and TensorBoard's debiased exponential moving average over the raw curve (kept, faint, behind
   * it); the x-axis is the step, the time since the first point or the wall time; and both choices
   * stay for the next page this browser opens.
   */
  @Test
  void a_runs_curves_smooth_as_wandb_does_and_the_choices_are_remembered() throws Exception {
    String experimentId = experiment("browser-smoothing");
    String id = run(experimentId, "noisy", 1.0, "0.5");
    double[] values = {1.0, 0.0, 1.0, 0.5, 0.25, 0.75};
    StringBuilder points = new StringBuilder();
    for (int step = 1; step < values.length; step++) {
      points
          .append(",{\"key\": \"rmse\", \"value\": ")
          .append(values[step])
          .append(", \"timestamp\": ")
          .append(1 + 2000L * step)
          .append(", \"step\": ")
          .append(step)
          .append("}");
    }
    post(
        "runs/log-batch",
        "{\"run_id\": \"" + id + "\", \"metrics\": [" + points.substring(1) + "]}");
    double weight = 0.6;
    List<Double> expected = new java.util.ArrayList<>();
    double last = 0;
    for (int i = 0; i < values.length; i++) {
      last = last * weight + (1 - weight) * values[i];
      expected.add(last / (1 - Math.pow(weight, i + 1)));
    }

    var driver = browser.driver;
    driver.get(url("/runs/" + id));
    browser.waiting(Duration.ofSeconds(30)).until(d -> curvePoints("rmse") == values.length);
    browser.js(
        "const s = document.getElementById('run-smoothing'); s.value = '0.6';"
            + " s.dispatchEvent(new Event('input', {bubbles: true}));");
    browser.waiting(Duration.ofSeconds(10)).until(d -> closeTo(curve("rmse", 1), expected));
    assertThat(curve("rmse (raw)", 1)).containsExactly(1.0, 0.0, 1.0, 0.5, 0.25, 0.75);
    xAxis("relative", List.of(0.0, 2.0, 4.0, 6.0, 8.0, 10.0));

    driver.navigate().refresh();
    browser.waiting(Duration.ofSeconds(30)).until(d -> curvePoints("rmse") == values.length);
    assertThat(driver.findElement(By.id("run-smoothing")).getAttribute("value")).isEqualTo("0.6");
    assertThat(driver.findElement(By.id("run-x")).getAttribute("value")).isEqualTo("relative");
    assertThat(closeTo(curve("rmse", 1), expected)).isTrue();
    assertThat(curve("rmse", 0)).containsExactly(0.0, 2.0, 4.0, 6.0, 8.0, 10.0);

    xAxis("wall", List.of(1.0, 2001.0, 4001.0, 6001.0, 8001.0, 10001.0));
    assertThat(
            browser.js(
                "return echarts.getInstanceByDom(document.querySelector(\".chart[data-key='rmse']\"))"
                    + ".getOption().xAxis[0].type;"))
        .isEqualTo("time");
    // Back to the defaults, for the other tests in this browser.
    browser.js("localStorage.clear();");
  }

  /**
   * The experiment page asked for each run's curve on its own: one request per run (300 for a sweep
   * of 300). It now asks once for all of them.
   */
  @Test
  void an_experiment_page_reads_all_its_runs_curves_in_one_request() throws Exception {
    String experimentId = experiment("browser-many-curves");
    int runs = 40;
    for (int i = 0; i < runs; i++) {
      run(experimentId, "sweep-" + i, 1.0 / (i + 1), "0.5");
    }

    var driver = browser.driver;
    browser.clearConsole();
    driver.get(url("/experiments/" + experimentId));
    assertThat(browser.consoleErrors(d -> browser.chartPoints("curves") == runs)).isEmpty();
    long curveRequests =
        ((Number)
                browser.js(
                    "return performance.getEntriesByType('resource')"
                        + ".filter(e => new URL(e.name).pathname.endsWith('/metrics')).length;"))
            .longValue();
    assertThat(curveRequests).isEqualTo(1);
  }

  /**
   * A run's metrics and tags were listed in no order: they now go by key in natural order, as its
   * params do (layer2 before layer10); and a run's long name widened the compare tables past the
   * window: it is cut with an ellipsis, the whole name in its tooltip.
   */
  @Test
  void a_runs_metrics_and_tags_go_by_key_and_a_long_name_keeps_compare_in_the_window()
      throws Exception {
    String experimentId = experiment("browser-natural-order");
    String id = run(experimentId, "ordered", 0.5, "0.5");
    post(
        "runs/log-batch",
        """
        {"run_id": "%s",
         "metrics": [{"key": "layer10_loss", "value": 1, "timestamp": 1, "step": 0},
                     {"key": "Accuracy", "value": 1, "timestamp": 1, "step": 0},
                     {"key": "layer2_loss", "value": 1, "timestamp": 1, "step": 0}],
         "tags": [{"key": "stage10", "value": "b"}, {"key": "team", "value": "c"},
                  {"key": "stage2", "value": "a"}]}
        """
            .formatted(id));
    String longName = "sweep-" + "y".repeat(150);
    String other = run(experimentId, longName, 0.6, "0.1");

    var driver = browser.driver;
    driver.get(url("/runs/" + id));
    assertThat(
            driver.findElements(By.cssSelector(".metric-curve h3 > span")).stream()
                .map(WebElement::getText)
                .toList())
        .containsExactly("Accuracy", "layer2_loss", "layer10_loss", "rmse");
    assertThat(
            driver.findElements(By.cssSelector("#tags-table th")).stream()
                .map(WebElement::getText)
                .toList())
        .containsSubsequence("stage2", "stage10", "team");

    driver.get(url("/compare?trials=" + id + "," + other));
    for (String table : List.of("metrics-table", "config-diff")) {
      WebElement name =
          driver.findElement(By.cssSelector("#" + table + " thead a[href$='/" + other + "']"));
      assertThat(name.getAttribute("title")).contains(longName);
      assertThat(
              (Boolean)
                  browser.js(
                      "const table = document.getElementById(arguments[0]);"
                          + " return table.scrollWidth <= table.parentElement.clientWidth;",
                      table))
          .as("the %s fits its box at 1280 px", table)
          .isTrue();
    }
  }

  /**
   * An MLflow experiment's run time stayed empty ("–": its runs report no training time of ours),
   * on its page and in its runs' rows, and the experiments list left its best test accuracy blank
   * as if not measured yet. A run's time is now how long it ran, and the list says that accuracy
   * does not apply.
   */
  @Test
  void an_mlflow_experiments_run_time_is_how_long_its_runs_ran() throws Exception {
    String experimentId = experiment("browser-run-time");
    String id =
        createRun(
            "{\"experiment_id\": \"%s\", \"run_name\": \"timed\", \"start_time\": 1700000000000}"
                .formatted(experimentId));
    post(
        "runs/update",
        "{\"run_id\": \"" + id + "\", \"status\": \"FINISHED\", \"end_time\": 1700000065000}");

    var driver = browser.driver;
    driver.get(url("/experiments/" + experimentId));
    assertThat(driver.findElement(By.cssSelector("#trial-table thead")).getText())
        .contains("Run time");
    assertThat(
            driver
                .findElement(By.cssSelector("#trial-table tr[data-trial='" + id + "']"))
                .getText())
        .contains("1 min 5 s");
    assertThat(driver.findElement(By.id("summary")).getText()).contains("1 min 5 s");

    driver.get(url("/?q=browser-run-time"));
    WebElement accuracy =
        driver.findElement(By.cssSelector("tr[data-id='" + experimentId + "'] td:nth-child(4)"));
    assertThat(accuracy.getText()).isEqualTo("n/a");
    assertThat(accuracy.getAttribute("title")).contains("MLflow");
    assertThat(
            driver
                .findElement(By.cssSelector("tr[data-id='" + experimentId + "'] td:nth-child(6)"))
                .getText())
        .isEqualTo("1 min 5 s");
  }

  /** Picks the run page's x-axis and waits for the rmse curve's points to move to {@code xs}. */
  private void xAxis(String choice, List<Double> xs) {
    new org.openqa.selenium.support.ui.Select(browser.driver.findElement(By.id("run-x")))
        .selectByValue(choice);
    browser.waiting(Duration.ofSeconds(10)).until(d -> curve("rmse", 0).equals(xs));
  }

  private static boolean closeTo(List<Double> actual, List<Double> expected) {
    if (actual.size() != expected.size()) {
      return false;
    }
    for (int i = 0; i < actual.size(); i++) {
      if (actual.get(i) == null || Math.abs(actual.get(i) - expected.get(i)) > 1e-9) {
        return false;
      }
    }
    return true;
  }

  /** The number of points of the curve named {@code key} in the chart of that key on the page. */
  private long curvePoints(String key) {
    return curve(key.replace(" (raw)", ""), key, 1).size();
  }

  private List<Double> curve(String series, int coordinate) {
    return curve(series.replace(" (raw)", ""), series, coordinate);
  }

  /**
   * One coordinate (0: x, 1: y) of each point of the series named {@code series} in the chart of
   * metric {@code key}; empty while there is no such chart or series.
   */
  @SuppressWarnings("unchecked")
  private List<Double> curve(String key, String series, int coordinate) {
    List<Object> values =
        (List<Object>)
            browser.js(
                "const box = Array.from(document.querySelectorAll('.chart[data-key]'))"
                    + "  .find(b => b.dataset.key === arguments[0]);"
                    + " const chart = box && echarts.getInstanceByDom(box);"
                    + " const option = chart && chart.getOption();"
                    + " const s = option && (option.series || []).find(s => s.name === arguments[1]);"
                    + " return s ? s.data.map(p => Array.isArray(p) ? p[arguments[2]] : null) : [];",
                key,
                series,
                coordinate);
    return values.stream().map(v -> v == null ? null : ((Number) v).doubleValue()).toList();
  }

  /**
   * The experiment's status in the list. Read again if the list's own refresh (every 2 s while a
   * shown experiment runs, as this class's open runs keep theirs) swapped the row out meanwhile.
   */
  private static String listStatus(String experimentId) {
    return browser.read(
        d ->
            d.findElement(By.cssSelector("tr[data-id='" + experimentId + "'] .status"))
                .getText()
                .strip());
  }

  private static List<String> names(org.openqa.selenium.WebDriver driver) {
    return rows(driver).stream()
        .map(r -> r.findElements(By.tagName("td")).get(1).getText().strip())
        .toList();
  }

  private static List<String> headers(org.openqa.selenium.WebDriver driver) {
    return driver.findElements(By.cssSelector("#runs-table thead th")).stream()
        .map(h -> h.getAttribute("textContent").strip())
        .toList();
  }

  private static List<WebElement> rows(org.openqa.selenium.WebDriver driver) {
    return driver.findElements(By.cssSelector("#runs-table tbody tr"));
  }

  private String experiment(String name) throws Exception {
    return JSON.readTree(post("experiments/create", "{\"name\": \"" + name + "\"}"))
        .path("experiment_id")
        .asString();
  }

  private String run(String experimentId, String name, double rmse, String alpha) throws Exception {
    String runId =
        createRun(
            "{\"experiment_id\": \"%s\", \"run_name\": \"%s\"}".formatted(experimentId, name));
    post(
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [{"key": "rmse", "value": %s, "timestamp": 1, "step": 0}],
         "params": [{"key": "alpha", "value": "%s"}]}
        """
            .formatted(runId, rmse, alpha));
    return runId;
  }

  /** MLflow's runs/create with this body; the new run's id. */
  private String createRun(String body) throws Exception {
    return JSON.readTree(post("runs/create", body))
        .path("run")
        .path("info")
        .path("run_id")
        .asString();
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
