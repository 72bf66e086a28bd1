package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The pipelines list and a run's page in real headless Chromium, inside the shared layout: a run
 * with real steps (ingest and eda on MNIST from the developer's data home, a swept {@code sh}
 * command whose first attempts fail on purpose, a summary) is followed from the list to its page,
 * whose DAG, Gantt chart, EDA images and summary chart must show.
 */
class PipelinePagesBrowserTest extends BrowserTestServer {

  /** A time as digitlab.js shows it in the viewer's zone; " UTC" until the script has run. */
  private static final String LOCAL_TIME = "\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d( UTC)?";

  private static final String PIPELINE =
      """
      name: ui-pipeline
      steps:
        - {name: ingest, type: ingest, parameters: {dataset: mnist}}
        - {name: eda, type: eda, dependsOn: [ingest], parameters: {dataset: mnist, samplesPerClass: 4}}
        - name: fit
          type: command
          sweep: {parameter: degree, values: [1, 2]}
          retries: {maxAttempts: 2, backoffSeconds: 0.1}
          faults: {fail: 1}
          parameters:
            executable: sh
            args: ["-c", "echo metric score=$DIGITLAB_PARAM_DEGREE"]
        - {name: summary, type: summary, dependsOn: [fit], parameters: {metric: score, goal: max}}
      """;

  /** Its fit step is a command step: this server's operator allows them. */
  @DynamicPropertySource
  static void allowCommands(DynamicPropertyRegistry properties) {
    properties.add("digitlab.commands.allowed", () -> "true");
  }

  /** Where the test opens the slow step's gate (a file named {@code open}) to let it end. */
  @TempDir Path gate;

  @Test
  void the_list_leads_to_a_run_page_with_its_dag_gantt_and_images() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("pipelines-failure");
      throw failure;
    } finally {
      openGate(); // a failed test's slow step ends too
    }
  }

  private void openGate() throws Exception {
    if (!Files.exists(gate.resolve("open"))) {
      Files.createFile(gate.resolve("open"));
    }
  }

  private void userPath() throws Exception {
    var driver = browser.driver;

    // The nav leads to the list; with no run yet it says how to start one.
    driver.get(url("/"));
    driver.findElement(By.linkText("Pipelines")).click();
    browser.waiting(LONG).until(ExpectedConditions.urlMatches("/pipelines$"));
    assertThat(driver.findElement(By.cssSelector(".empty")).getText())
        .contains("No pipeline runs yet")
        .contains("./digitlab pipeline run");
    assertThat(driver.findElement(By.cssSelector("header.top nav a[aria-current=page]")).getText())
        .isEqualTo("Pipelines");

    long id = submit(PIPELINE);

    // The list shows the run and follows it to the end by itself.
    driver.get(url("/pipelines"));
    By status = By.cssSelector("tr[data-run='" + id + "'] .status");
    // (While the run goes the list replaces its table every 3 s: a read spanning that is repeated.)
    assertThat(browser.text(status)).isIn("queued", "running", "succeeded");
    browser.waiting(LONG).until(ExpectedConditions.textToBe(status, "succeeded"));
    WebElement row = driver.findElement(By.cssSelector("tr[data-run='" + id + "']"));
    List<String> cells =
        row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    assertThat(cells.get(1)).isEqualTo("ui-pipeline");
    assertThat(cells.get(3)).isEqualTo("5 succeeded");
    // Shown in the viewer's time zone by digitlab.js (the test browser's may be UTC), the server's
    // UTC time in the title.
    assertThat(cells.get(4)).matches(LOCAL_TIME);
    WebElement local =
        browser
            .waiting(LONG)
            .until(
                ExpectedConditions.presenceOfNestedElementLocatedBy(
                    row, By.cssSelector("td time")));
    assertThat(local.getAttribute("title"))
        .matches("\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC( · shown in .+)?");
    assertThat(cells.get(5)).matches("\\d+(\\.\\d)? s|\\d+ min \\d+ s");
    browser.screenshots("pipelines");

    // Its page, in the layout: DAG nodes for every step, a Gantt bar per attempt (each fit's
    // first attempt failed), the EDA images and the summary chart loaded from the page itself.
    row.findElement(By.linkText("ui-pipeline")).click();
    browser.waiting(LONG).until(ExpectedConditions.urlMatches("/pipelines/" + id + "$"));
    assertThat(driver.findElement(By.cssSelector("header.top nav a[aria-current=page]")).getText())
        .isEqualTo("Pipelines");
    assertThat(driver.findElement(By.id("run-status")).getText()).isEqualTo("succeeded");
    assertThat(driver.findElements(By.cssSelector("#dag a"))).hasSize(5);
    assertThat(driver.findElements(By.cssSelector("#gantt rect.bar.failed"))).hasSize(2);
    assertThat(driver.findElements(By.cssSelector("#gantt rect.bar.succeeded"))).hasSize(5);
    assertThat(driver.findElement(By.id("gantt")).getSize().getWidth()).isGreaterThan(300);
    assertThat(loadedImages("#step-eda img")).isEqualTo(3);
    assertThat(loadedImages("#step-summary img")).isEqualTo(1);
    // Succeeded steps are collapsed to their headings; a click opens one.
    WebElement summaryStep = driver.findElement(By.cssSelector("#step-summary details.step"));
    assertThat(summaryStep.getAttribute("open")).isNull();
    summaryStep.findElement(By.tagName("summary")).click();
    assertThat(driver.findElement(By.cssSelector("#step-summary table.summary")).getText())
        .contains("fit-2");
    // Parameters are a key/value table; the Gantt chart's axis has ticks; times are to the second.
    assertThat(
            driver
                .findElement(By.cssSelector("#step-eda table.parameters"))
                .getAttribute("textContent"))
        .contains("samplesPerClass")
        .contains("mnist");
    assertThat(driver.findElements(By.cssSelector("#gantt .axis line.tick")).size())
        .isGreaterThanOrEqualTo(3);
    assertThat(driver.findElement(By.cssSelector("#run-report time")).getText())
        .matches(LOCAL_TIME);
    // Metric names in words and numbers as written: "Score 2", not "score 2.0000"; counts with
    // thousands separators ("Train images 60,000").
    assertThat(driver.findElement(By.id("steps")).getText())
        .contains("Train images 60,000", "Test images 10,000", "Score 2", "Best score 2")
        .doesNotContain("trainImages", "best_score", ".0000", "60000");
    // At phone width the Gantt keeps its size and scrolls sideways instead of shrinking to 4-px
    // labels.
    browser.phoneWidth();
    @SuppressWarnings("unchecked")
    java.util.Map<String, Object> gantt =
        (java.util.Map<String, Object>)
            browser.js(
                "const s = document.getElementById('gantt'); const box = s.parentElement;"
                    + " return {shown: s.getBoundingClientRect().width, own: s.width.baseVal.value,"
                    + "   scrolls: box.scrollWidth > box.clientWidth};");
    assertThat(((Number) gantt.get("shown")).doubleValue())
        .isGreaterThanOrEqualTo(((Number) gantt.get("own")).doubleValue() - 1);
    assertThat(gantt).containsEntry("scrolls", true);
    browser.desktopWidth();
    browser.screenshots("pipeline-run");

    // A DAG node leads to its step's page: the step's attempts (the failed first one too), its
    // open log, and the way back to the run.
    driver.findElement(By.cssSelector("#dag a[href='/pipelines/" + id + "/steps/fit-2']")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(ExpectedConditions.urlMatches("/pipelines/" + id + "/steps/fit-2$"));
    assertThat(driver.findElement(By.cssSelector("header.top nav a[aria-current=page]")).getText())
        .isEqualTo("Pipelines");
    assertThat(driver.findElements(By.cssSelector("#step-report table.attempts tr td.failed")))
        .hasSize(1);
    assertThat(driver.findElements(By.cssSelector("#step-report table.attempts tr td.succeeded")))
        .hasSize(1);
    assertThat(driver.findElement(By.cssSelector("#step-report details pre")).isDisplayed())
        .isTrue();
    // Its tables' headers are capitalised as on every other page (they read "attempt", "status").
    assertThat(
            driver.findElements(By.cssSelector("#step-report table.attempts th")).stream()
                .map(th -> th.getAttribute("textContent"))
                .toList())
        .startsWith("Attempt", "Status", "Started");
    // The experiments list gives the command step its wall time (it reported no training time
    // and read "0 s").
    driver.get(url("/"));
    String runTime =
        driver.findElements(By.cssSelector("#experiments tbody tr")).stream()
            .filter(tr -> tr.findElement(By.tagName("td")).getText().contains("/fit-2"))
            .findFirst()
            .orElseThrow()
            .findElements(By.tagName("td"))
            .get(5)
            .getText();
    assertThat(runTime).matches("\\d+(\\.\\d)? s|\\d+ min \\d+ s").isNotEqualTo("0 s");
    driver.navigate().back();
    driver.findElement(By.id("run-link")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(ExpectedConditions.urlMatches("/pipelines/" + id + "$"));
    driver.get(url("/pipelines/" + id + "/steps/no-such-step"));
    assertThat(driver.findElement(By.tagName("main")).getText())
        .contains("404")
        .contains("There is no step no-such-step in pipeline run " + id);

    // A run's page opened while it is going follows it to its end by itself, without closing the
    // log the reader opened or moving the page they scrolled (a short window, so that it scrolls).
    // Its step writes a line every 0.7 s until the test opens its gate (at worst for 7 minutes):
    // it ran 12 lines, 8.4 s, which a slow machine may spend before the page has refreshed twice
    // after the reader's clicks; once the run has ended the page refreshes no more.
    long slow =
        submit(
            """
            name: ui-slow
            steps:
              - {name: wait, type: command, parameters: {executable: sh, args: ["-c", "for i in $(seq 1 600); do echo line $i; if [ -e '%s' ]; then exit 0; fi; sleep 0.7; done"]}}
            """
                .formatted(gate.resolve("open")));
    driver.manage().window().setSize(new org.openqa.selenium.Dimension(1000, 420));
    driver.get(url("/pipelines/" + slow));
    // Every 2 s the page swaps in the parts that changed, the step's section each time (its log
    // grows): each find-then-read or find-then-click below is repeated if that fell between.
    assertThat(browser.text(By.id("run-status"))).isIn("queued", "running");
    browser.waiting(LONG).until(ExpectedConditions.textToBe(By.id("run-status"), "running"));
    browser.js("window.stillTheSamePage = true;");
    By step = By.cssSelector("#step-wait details.step");
    By log = By.cssSelector("#step-wait details.step details");
    assertThat(browser.<String>read(d -> d.findElement(step).getDomProperty("open")))
        .as("a running step is open")
        .isEqualTo("true");
    browser.read(
        d -> {
          d.findElement(By.cssSelector("#step-wait details.step details > summary")).click();
          return true;
        });
    browser.js("window.scrollTo(0, document.documentElement.scrollHeight);");
    long scrolled = ((Number) browser.js("return Math.round(window.scrollY);")).longValue();
    assertThat(scrolled).as("the page is taller than the window").isGreaterThan(50);
    String refreshes =
        "return Number(document.getElementById('run-report').dataset.refreshed || 0);";
    long before = ((Number) browser.js(refreshes)).longValue();
    browser
        .waiting(Duration.ofSeconds(30))
        .until(d -> ((Number) browser.js(refreshes)).longValue() >= before + 2);
    assertThat(browser.<String>read(d -> d.findElement(log).getDomProperty("open")))
        .as("the log opened before the refreshes is still open")
        .isEqualTo("true");
    assertThat(browser.text(By.cssSelector("#step-wait details.step details pre")))
        .contains("line 1");
    assertThat(((Number) browser.js("return Math.round(window.scrollY);")).longValue())
        .isBetween(scrolled - 2, scrolled + 2);
    openGate();
    browser.waiting(LONG).until(ExpectedConditions.textToBe(By.id("run-status"), "succeeded"));
    assertThat(browser.js("return window.stillTheSamePage === true;")).isEqualTo(true);
    assertThat(driver.findElements(By.cssSelector("#gantt rect.bar.succeeded"))).hasSize(1);
    driver.manage().window().setSize(Browser.SIZES.getFirst());

    // An unknown run is a page in the layout too, saying so.
    driver.get(url("/pipelines/" + (id + 1000)));
    assertThat(driver.findElement(By.tagName("main")).getText())
        .contains("404")
        .contains("There is no pipeline run with id");
    assertThat(driver.findElements(By.cssSelector("header.top nav"))).hasSize(1);
  }

  /** How many of the images the selector finds were decoded (their data URIs were valid PNGs). */
  private long loadedImages(String selector) {
    return ((Number)
            browser.js(
                "return Array.from(document.querySelectorAll(arguments[0]))"
                    + ".filter(i => i.complete && i.naturalWidth > 0).length;",
                selector))
        .longValue();
  }

  private long submit(String pipeline) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url("/api/v1/pipelines")))
                    .header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofString(pipeline))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return Long.parseLong(response.body().replaceAll("(?s)^\\{\"id\":(\\d+),.*", "$1"));
  }
}
