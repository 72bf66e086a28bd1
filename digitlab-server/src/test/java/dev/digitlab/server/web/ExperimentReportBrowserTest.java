package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The experiment report saved to disk and opened from there in real headless Chromium: its trials
 * table sorts by a metric both ways, its images decode, it fits a phone's width, and script
 * injected into the saved copy does not run. The experiment is a three-trial grid of tiny MLPs the
 * embedded worker trains on real MNIST.
 */
class ExperimentReportBrowserTest extends BrowserTestServer {

  @TempDir Path site;

  @Test
  void the_saved_report_sorts_its_trials_by_macro_f1_both_ways() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("experiment-report-failure");
      throw failure;
    }
  }

  private void userPath() throws Exception {
    long id =
        submitExperiment(
            """
            name: report-sort
            config: {model: mlp, epochs: 1, hiddenSizes: [16], trainSubset: 1000, seed: 3}
            search: {type: grid, parameters: {learningRate: [0.0001, 0.01, 0.001]}}
            """);
    awaitSucceeded(id, 3, LONG);
    String html = experimentReport(id);
    // Markup that got into the report past escaping (say, through an experiment's name), in the
    // copy saved to disk: opened from there no header comes with it, and the policy in the page's
    // own meta tag must refuse the script while the report's own (by its nonce) runs.
    assertThat(html).contains("</body>");
    String injected =
        html.replace(
            "</body>",
            "<script>window.injected = 'script';</script>"
                + "<p id=\"attack\" onclick=\"window.injected = 'handler'\">x</p></body>");
    Path page = Files.writeString(site.resolve("index.html"), injected);

    var driver = browser.driver;
    driver.get(page.toUri().toString());
    assertThat(driver.findElement(By.id("trial-table")).getAttribute("data-sortable"))
        .isEqualTo("ready");
    driver.findElement(By.id("attack")).click();
    assertThat(browser.js("return window.injected === undefined;")).isEqualTo(true);
    assertThat(browser.cspViolations())
        .anyMatch(m -> m.contains("Executing inline script violates"))
        .anyMatch(m -> m.contains("Executing inline event handler violates"));
    assertThat(driver.findElement(By.id("experiment-status")).getText()).isEqualTo("succeeded");

    List<Double> shown = column("macro-F1");
    assertThat(shown).hasSize(3).doesNotContainNull();
    List<Double> ascending = new ArrayList<>(shown);
    ascending.sort(Comparator.naturalOrder());
    // Learning rates two orders of magnitude apart: three different macro-F1s.
    assertThat(ascending).doesNotHaveDuplicates();

    header("macro-F1").click();
    assertThat(column("macro-F1")).containsExactlyElementsOf(ascending);
    assertThat(header("macro-F1").findElement(By.xpath("..")).getAttribute("aria-sort"))
        .isEqualTo("ascending");
    header("macro-F1").click();
    assertThat(column("macro-F1")).containsExactlyElementsOf(ascending.reversed());
    assertThat(driver.findElement(By.cssSelector("#trial-table tbody tr")).getAttribute("class"))
        .isEqualTo("best");
    // Back to trial order, by the first column.
    header("trial").click();
    header("trial").click();
    assertThat(column("trial")).containsExactly(2.0, 1.0, 0.0);

    long decoded =
        ((Number)
                browser.js(
                    "return Array.from(document.querySelectorAll('#misclassified img'))"
                        + ".filter(i => i.complete && i.naturalWidth === 112).length;"))
            .longValue();
    // The report inlines the 24 most confident of the best trial's (hundreds of) mistakes.
    assertThat(decoded).isEqualTo(24);
    assertThat(driver.findElements(By.cssSelector("#curve-train_loss polyline"))).hasSize(3);
    browser.screenshots("experiment-report");

    // The same report opened from the server: its Content-Security-Policy lets exactly its own
    // script run (by the response's nonce), so the table sorts there too.
    driver.get(url("/api/v1/experiments/" + id + "/report"));
    assertThat(driver.findElement(By.id("trial-table")).getAttribute("data-sortable"))
        .isEqualTo("ready");
    header("macro-F1").click();
    assertThat(column("macro-F1")).containsExactlyElementsOf(ascending);
  }

  private org.openqa.selenium.WebElement header(String text) {
    return browser.driver.findElement(
        By.xpath("//table[@id='trial-table']//th/button[.='" + text + "']"));
  }

  /** The {@code data-value}s of the column under the header, top to bottom, as numbers. */
  @SuppressWarnings("unchecked")
  private List<Double> column(String text) {
    List<Object> values =
        (List<Object>)
            browser.js(
                "const table = document.getElementById('trial-table');"
                    + " const col = Array.from(table.tHead.rows[0].cells)"
                    + "   .findIndex(th => th.textContent.trim() === arguments[0]);"
                    + " return Array.from(table.tBodies[0].rows)"
                    + "   .map(r => r.cells[col].getAttribute('data-value'))"
                    + "   .map(v => v === null || v === '' ? null : Number(v));",
                text);
    return values.stream().map(v -> v == null ? null : ((Number) v).doubleValue()).toList();
  }
}
