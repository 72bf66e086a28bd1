package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The web UI in real headless Chromium against a real server whose embedded worker trains small
 * MLPs on a subset of MNIST from the developer's data home (CI fetches it; like {@code
 * EmbeddedWorkerTest}, skipped when it is not there rather than downloading it). One user's path:
 * create a grid through the form, watch curves and the log while a trial runs, open its confusion
 * matrix and misclassified digits, cancel a running trial, sort the list; every page is
 * photographed at 1280×800 and 390×844 into {@code target/screenshots/}.
 */
class WebUiBrowserTest extends BrowserTestServer {

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;

  @Test
  void a_grid_made_in_the_form_runs_live_shows_its_results_and_can_be_cancelled() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("failure");
      throw failure;
    }
  }

  private void userPath() throws Exception {
    var driver = browser.driver;

    // First visit: the empty list says how to start.
    driver.get(url("/"));
    assertThat(driver.findElement(By.cssSelector(".empty")).getText())
        .contains("No experiments yet")
        .contains("./digitlab submit");
    browser.screenshots("experiments-empty");

    // The form: a 2 × 2 grid; the trial count shows before submitting. Learning rates × epochs
    // (searched in that order): trials #0 and #2 train 2 epochs and finish, #1 and #3 would
    // train 1,000 (the most a config may ask), long enough on any machine to be watched live and
    // cancelled. 400 epochs of these 6,000 images are 2.2 million images, under 20 s at the
    // 120,000 images/s a fast machine showed with a small MLP: not far from what this test may
    // take between the slow trial's start and its cancel.
    driver.findElement(By.linkText("New experiment")).click();
    browser.waiting(LONG).until(ExpectedConditions.urlContains("/experiments/new"));
    // Nothing typed, nothing wrong yet; the dataset is a choice, not free text; the fields only a
    // CNN uses hide for an MLP; search rows go past four; the tab has the favicon.
    assertThat(driver.findElement(By.id("err-name")).getText()).isEmpty();
    assertThat(driver.findElement(By.id("f-dataset")).getTagName()).isEqualTo("select");
    Select model = new Select(driver.findElement(By.id("f-model")));
    String recipe = model.getFirstSelectedOption().getAttribute("value");
    model.selectByValue("mlp");
    assertThat(cnnOnlyFields(true)).isZero();
    assertThat(cnnOnlyFields(false)).isPositive();
    model.selectByValue("cnn");
    assertThat(cnnOnlyFields(true)).isPositive();
    model.selectByValue(recipe);
    driver.findElement(By.id("add-search-row")).click();
    assertThat(driver.findElements(By.id("s-field-4"))).hasSize(1);
    driver.findElement(By.id("remove-search-row")).click();
    assertThat(driver.findElements(By.id("s-field-4"))).isEmpty();
    assertThat(driver.findElement(By.cssSelector("link[rel=icon]")).getAttribute("href"))
        .endsWith("/favicon.svg");
    type("name", "ui-grid");
    // More images than MNIST's 60,000 training images: the preview says so beside the field, in
    // the submit's words, before anything is submitted; the count says there is a problem.
    type("f-trainSubset", "70000");
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("err-trainSubset"), "more than the 60000 training images of mnist"));
    assertThat(
            driver
                .findElement(By.id("err-trainSubset"))
                .findElement(By.xpath(".."))
                .getAttribute("class"))
        .contains("field-error");
    assertThat(driver.findElement(By.id("trial-count")).getText()).contains("problem");
    type("f-trainSubset", "6000");
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.textToBe(By.id("err-trainSubset"), ""));
    new Select(driver.findElement(By.id("searchType"))).selectByValue("grid");
    new Select(driver.findElement(By.id("s-field-0"))).selectByValue("learningRate");
    type("s-values-0", "0.01, 0.003");
    new Select(driver.findElement(By.id("s-field-1"))).selectByValue("epochs");
    type("s-values-1", "2, 1000");
    browser
        .waiting(Duration.ofSeconds(10))
        .until(
            ExpectedConditions.textToBe(
                By.cssSelector("#trial-count .trial-count"), "4 trials will be queued"));
    browser.screenshots("new-experiment");

    // The server's validation, inline: a bad weight decay is named next to its field.
    type("f-weightDecay", "-1");
    driver.findElement(By.id("submit-experiment")).click();
    WebElement error =
        browser
            .waiting(Duration.ofSeconds(10))
            .until(ExpectedConditions.visibilityOfElementLocated(By.id("err-weightDecay")));
    assertThat(error.getText()).contains("must be between 0 and 1");
    assertThat(
            experiments.list(dev.digitlab.server.experiments.ExperimentQuery.newestFirst()).total())
        .isZero();
    browser.screenshots("new-experiment-errors");
    type("f-weightDecay", "0");
    driver.findElement(By.id("submit-experiment")).click();

    browser.waiting(LONG).until(ExpectedConditions.urlMatches("/experiments/\\d+$"));
    long experimentId =
        Long.parseLong(driver.getCurrentUrl().replaceAll(".*/experiments/(\\d+)$", "$1"));
    List<Trial> grid = trials.listByExperiment(experimentId);
    assertThat(grid).hasSize(4);
    Trial quick = grid.get(0);
    Trial slow = grid.get(1);
    assertThat(ChartTrial.map(slow.config())).containsEntry("epochs", 1000);

    // The experiment page's curves grow live while the slow trial trains.
    awaitRunning(slow.id());
    driver.get(url("/experiments/" + experimentId));
    browser.waiting(LONG).until(d -> browser.chartPoints("curves") > 0);
    long shown = browser.chartPoints("curves");
    browser.waiting(LONG).until(d -> browser.chartPoints("curves") > shown);
    assertThat(trials.get(slow.id()).status()).isEqualTo(TrialStatus.RUNNING);
    browser.screenshots("experiment-running");

    // Its trial page: the log and the per-step curve appear, then grow from the live stream.
    driver.get(url("/trials/" + slow.id()));
    browser
        .waiting(LONG)
        .until(
            d ->
                !d.findElements(By.cssSelector("#log > div")).isEmpty()
                    && browser.chartPoints("step-curve") > 0);
    assertThat(driver.findElement(By.id("trial-status")).getText()).isEqualTo("running");
    assertThat(driver.findElement(By.id("log")).getText()).contains("training on 6000 images");
    long steps = browser.chartPoints("step-curve");
    browser.waiting(LONG).until(d -> browser.chartPoints("step-curve") > steps);
    browser.waiting(LONG).until(d -> !d.findElement(By.id("progress-detail")).getText().isEmpty());
    assertThat(driver.findElement(By.id("progress-detail")).getText())
        .matches("epoch \\d+/1000, step \\d+/\\d+, \\d+ images/s.*");
    browser.screenshots("trial-running");

    // Cancel it from its page: it stops and the page says so.
    driver.findElement(By.id("cancel-trial")).click();
    awaitStatus(slow.id(), TrialStatus.CANCELLED);
    browser.waiting(LONG).until(ExpectedConditions.textToBe(By.id("trial-status"), "cancelled"));

    // The quick trial's results: confusion matrix, per-class figures, misclassified digits, and
    // its whole log read back from history, each line once.
    assertThat(trials.get(quick.id()).status()).isEqualTo(TrialStatus.SUCCEEDED);
    driver.get(url("/trials/" + quick.id()));
    browser
        .waiting(LONG)
        .until(
            d ->
                browser.chartPoints("confusion") == 100
                    && !d.findElements(By.id("per-class-table")).isEmpty()
                    && d.findElements(By.cssSelector("#misclassified img")).size() > 0);
    assertThat(driver.findElements(By.cssSelector("#per-class-table tbody tr"))).hasSize(11);
    WebElement digit = driver.findElement(By.cssSelector("#misclassified figure"));
    assertThat(digit.getText()).matches("(?s)true \\d → predicted \\d \\(\\d+\\.\\d %\\)");
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            d ->
                (Boolean)
                    browser.js(
                        "const img = document.querySelector('#misclassified img');"
                            + " return img.complete && img.naturalWidth === 112;"));
    List<String> seqs =
        driver.findElements(By.cssSelector("#log > div")).stream()
            .map(line -> line.getAttribute("data-seq"))
            .toList();
    assertThat(seqs).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(3);
    browser.screenshots("trial-succeeded");

    // Cancel the rest of the experiment (the last slow trial is still to run).
    driver.get(url("/experiments/" + experimentId));
    driver.findElement(By.xpath("//button[normalize-space()='Cancel experiment']")).click();
    Waiting.until(
        () -> experiments.find(experimentId).orElseThrow().status().dbValue(),
        "cancelled"::equals,
        LONG,
        "experiment " + experimentId + " cancelled");
    // ...and every trial ended: a trial still stopping keeps the page re-reading its table, which
    // would swap the rows out from under the checks below.
    Waiting.until(
        () -> trials.listByExperiment(experimentId).stream().allMatch(t -> t.status().isTerminal()),
        Boolean::booleanValue,
        LONG,
        "every trial of experiment " + experimentId + " ended");
    driver.get(url("/experiments/" + experimentId));
    assertThat(driver.findElement(By.cssSelector("#trial-table tr.best")).getText())
        .contains("succeeded");
    assertThat(
            driver
                .findElement(By.cssSelector("tr[data-trial='" + slow.id() + "'] .status"))
                .getText())
        .isEqualTo("cancelled");
    // The trials table sorts from the keyboard: its headers are buttons. Trial order starts
    // ascending; Enter on its header reverses it.
    WebElement byTrial =
        driver.findElement(By.xpath("//table[@id='trial-table']//th/button[.='Trial']"));
    byTrial.sendKeys(org.openqa.selenium.Keys.ENTER);
    assertThat(byTrial.findElement(By.xpath("..")).getAttribute("aria-sort"))
        .isEqualTo("descending");
    assertThat(driver.findElement(By.cssSelector("#trial-table tbody tr td a")).getText())
        .isEqualTo("#" + grid.getLast().ordinal());
    assertThat(driver.findElement(By.id("report-link")).getAttribute("href"))
        .endsWith("/api/v1/experiments/" + experimentId + "/report");
    browser.screenshots("experiment-done");

    // The list: statuses change live (the table re-reads itself while one is active)...
    Experiment other = submit("aaa-first");
    driver.get(url("/"));
    By otherStatus = By.cssSelector("tr[data-id='" + other.id() + "'] .status");
    assertThat(browser.text(otherStatus)).isIn("queued", "running");
    experiments.cancel(other.id());
    browser.waiting(LONG).until(ExpectedConditions.textToBe(otherStatus, "cancelled"));
    // ...and it sorts by name both ways.
    driver.findElement(By.cssSelector("a[data-sort='name']")).click();
    browser.waiting(Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("sort=name"));
    assertThat(firstRowName()).isEqualTo("aaa-first");
    assertThat(
            driver.findElement(By.xpath("//th[.//a[@data-sort='name']]")).getAttribute("aria-sort"))
        .isEqualTo("ascending");
    driver.findElement(By.cssSelector("a[data-sort='name']")).click();
    browser.waiting(Duration.ofSeconds(10)).until(ExpectedConditions.urlContains("order=desc"));
    assertThat(firstRowName()).isEqualTo("ui-grid");
    browser.screenshots("experiments");

    // The remaining pages.
    driver.get(url("/compare?trials=" + quick.id() + "," + slow.id()));
    browser.waiting(LONG).until(d -> browser.chartPoints("curves") > 0);
    assertThat(driver.findElement(By.id("config-diff")).getText()).contains("Epochs ≠");
    browser.screenshots("compare");
    driver.get(url("/workers"));
    assertThat(browser.text(By.cssSelector("main table"))).contains("embedded-1");
    browser.screenshots("workers");
    driver.get(url("/experiments/new?from=" + experimentId));
    assertThat(driver.findElement(By.id("name")).getAttribute("value")).isEqualTo("ui-grid-2");
    driver.get(url("/experiments/" + (other.id() + 1000)));
    assertThat(driver.findElement(By.tagName("main")).getText())
        .contains("404")
        .contains("There is no experiment with id");
    browser.screenshots("error-not-found");
  }

  /** The CNN-only fields of the form that are shown ({@code shown}) or hidden. */
  private long cnnOnlyFields(boolean shown) {
    return browser.driver.findElements(By.cssSelector("[data-cnn-only]")).stream()
        .filter(f -> f.isDisplayed() == shown)
        .count();
  }

  private String firstRowName() {
    return browser.driver.findElement(By.cssSelector("#experiment-table tbody tr td a")).getText();
  }

  /**
   * Submits a one-trial experiment through the API that runs until it is cancelled, on any machine:
   * 1,000 epochs of every training image (30 epochs of 1,000 images, 30,000 in all, could end
   * before the list that should show it running was read).
   */
  private Experiment submit(String name) throws Exception {
    var http = java.net.http.HttpClient.newHttpClient();
    var response =
        http.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/api/v1/experiments")))
                .header("Content-Type", "application/yaml")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "name: " + name + "\nconfig: {model: mlp, epochs: 1000, trainSubset: 0}\n"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return experiments
        .list(dev.digitlab.server.experiments.ExperimentQuery.newestFirst())
        .items()
        .getFirst();
  }

  private void type(String id, String text) {
    WebElement field = browser.driver.findElement(By.id(id));
    field.clear();
    if (!text.isEmpty()) {
      field.sendKeys(text);
    }
  }

  private void awaitRunning(long trialId) throws InterruptedException {
    Waiting.until(
        () -> trials.get(trialId),
        t -> t.status() == TrialStatus.RUNNING && t.progress() > 0,
        LONG,
        "trial " + trialId + " training");
  }

  private void awaitStatus(long trialId, TrialStatus status) throws InterruptedException {
    Waiting.until(
        () -> trials.get(trialId).status(),
        s -> s == status,
        LONG,
        "trial " + trialId + " " + status);
  }
}
