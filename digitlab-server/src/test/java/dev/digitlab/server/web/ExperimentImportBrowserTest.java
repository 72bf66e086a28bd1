package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.support.ui.ExpectedConditions;

/**
 * Export and import through the pages in real headless Chromium: the experiment page's Export link
 * downloads the archive (fetched here by its href), and the experiments list's Import form sends it
 * back and lands on the new experiment; the same file again shows the 409's reason on the form. The
 * same for a pipeline run: its page's Export link, the pipelines list's Import form.
 */
class ExperimentImportBrowserTest extends BrowserTestServer {

  @TempDir Path files;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void a_file_imported_through_the_form_lands_on_the_new_experiment() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("experiment-import-failure");
      throw failure;
    }
  }

  @Test
  void a_pipeline_run_imported_through_the_form_lands_on_the_new_run() throws Exception {
    try {
      pipelinePath();
    } catch (Throwable failure) {
      browser.evidence("pipeline-import-failure");
      throw failure;
    }
  }

  private void pipelinePath() throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/pipelines")))
                .header("Content-Type", "application/yaml")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        """
                        name: carried-pipeline
                        steps:
                          - {name: ingest, type: ingest, parameters: {dataset: mnist}}
                        """))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    long id = Long.parseLong(created.body().replaceAll("(?s)^\\{\"id\":(\\d+),.*", "$1"));
    var driver = browser.driver;
    driver.get(url("/pipelines/" + id));
    browser.waiting(LONG).until(ExpectedConditions.textToBe(By.id("run-status"), "succeeded"));
    Path file = exported("/api/v1/pipelines/" + id + "/export", "carried-pipeline.tar.gz");

    // The run lives on this server: the form shows the 409 naming it, and stays.
    sendThroughImportForm("/pipelines", PIPELINE_IMPORT, file);
    statusSays("pipeline-import-status", "export of pipeline run " + id + " ");
    assertThat(driver.getCurrentUrl()).endsWith("/pipelines");
    // Asked for, a copy.
    sendThroughImportForm("/pipelines", PIPELINE_IMPORT, file, true);
    long copy = landedOn("/pipelines/");
    assertThat(copy).isNotEqualTo(id);
    assertThat(driver.findElement(By.tagName("h1")).getText()).contains("carried-pipeline");
    assertThat(driver.findElement(By.id("run-status")).getText()).isEqualTo("succeeded");
    browser.screenshots("pipeline-imported");
    // Asked for again, a second copy.
    sendThroughImportForm("/pipelines", PIPELINE_IMPORT, file, true);
    assertThat(landedOn("/pipelines/")).isNotIn(id, copy);
  }

  private void userPath() throws Exception {
    long id =
        submitExperiment(
            """
            name: carried-across
            config: {model: mlp, epochs: 1, hiddenSizes: [16], trainSubset: 500, seed: 5}
            """);
    awaitSucceeded(id, 1, LONG);
    var driver = browser.driver;
    driver.get(url("/experiments/" + id));
    Path file = exported("/api/v1/experiments/" + id + "/export", "carried-across.tar.gz");

    // The experiment lives on this server: the form shows the 409 naming it, and stays.
    sendThroughImportForm("/", EXPERIMENT_IMPORT, file);
    statusSays("import-status", "export of experiment " + id + " ");
    assertThat(driver.getCurrentUrl()).doesNotContain("/experiments/");
    // Asked for, a copy.
    sendThroughImportForm("/", EXPERIMENT_IMPORT, file, true);
    long copy = landedOn("/experiments/");
    assertThat(copy).isNotEqualTo(id);
    assertThat(driver.findElement(By.tagName("h1")).getText()).contains("carried-across");
    assertThat(driver.getPageSource()).contains("succeeded");
    browser.screenshots("experiment-imported");

    sendThroughImportForm("/", EXPERIMENT_IMPORT, file);
    statusSays("import-status", "export of experiment " + id + " ");
    assertThat(driver.getCurrentUrl()).doesNotContain("/experiments/");
  }

  /** Waits for a form's status line to say {@code text} (a refusal is shown there, in place). */
  private void statusSays(String statusId, String text) {
    browser
        .waiting(Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id(statusId), text));
  }

  /** An import form: its folded section and the form in it. */
  private record ImportForm(String section, String form) {}

  private static final ImportForm EXPERIMENT_IMPORT =
      new ImportForm("#import-experiment", "#import-form");
  private static final ImportForm PIPELINE_IMPORT =
      new ImportForm("#import-pipeline", "#pipeline-import-form");

  /**
   * The file the current page's Export link downloads (it must point at {@code path}), fetched by
   * its href into the test's folder as {@code name}.
   */
  private Path exported(String path, String name) throws Exception {
    String href = browser.driver.findElement(By.id("export-link")).getAttribute("href");
    assertThat(href).endsWith(path);
    HttpResponse<byte[]> download =
        http.send(
            HttpRequest.newBuilder(URI.create(href)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.statusCode()).isEqualTo(200);
    return Files.write(files.resolve(name), download.body());
  }

  /** Opens {@code page}, unfolds its import section and sends {@code file} through the form. */
  private void sendThroughImportForm(String page, ImportForm form, Path file) {
    sendThroughImportForm(page, form, file, false);
  }

  /** The same, with the form's "copy" box ticked when {@code copy}. */
  private void sendThroughImportForm(String page, ImportForm form, Path file, boolean copy) {
    var driver = browser.driver;
    driver.get(url(page));
    driver.findElement(By.cssSelector(form.section() + " summary")).click();
    driver.findElement(By.cssSelector(form.form() + " input[type=file]")).sendKeys(file.toString());
    if (copy) {
      driver.findElement(By.cssSelector(form.form() + " input[name=copy]")).click();
    }
    driver.findElement(By.cssSelector(form.form() + " button[type=submit]")).click();
  }

  /** Waits for the browser to land on {@code prefix} + an id; returns the id. */
  private long landedOn(String prefix) {
    browser.waiting(Duration.ofSeconds(60)).until(ExpectedConditions.urlMatches(prefix + "\\d+$"));
    String landed = browser.driver.getCurrentUrl();
    return Long.parseLong(landed.substring(landed.lastIndexOf('/') + 1));
  }
}
