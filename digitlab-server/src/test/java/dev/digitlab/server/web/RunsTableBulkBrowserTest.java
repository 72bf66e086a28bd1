package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The runs tables and the experiments list as a daily MLflow user works them, in real headless
 * Chromium with {@code --auth}, the trials needing a GPU that no worker has (they stay queued):
 * select 2 of 3 trials, tag them, see the tag column and filter by it (2 rows); cancel a queued
 * trial and delete it after the confirm dialog (it leaves the table, the API says deleted); the
 * waiting reason of a {@code device: gpu} trial in the runs table and the experiments list; the
 * experiments list with an added metric column, sorted, filtered by the runs grammar, and a
 * malformed query answered next to the box with a 400; the deleted trial found from the experiment
 * page's link in the runs table's deleted view and restored (back in the table and the counts), the
 * then empty deleted view saying how runs get there and that they can be restored. A viewer sees no
 * bulk buttons (no Restore in the deleted view either), and the API refuses the viewer's own
 * session, restore included.
 */
class RunsTableBulkBrowserTest extends BrowserTestServer {

  @DynamicPropertySource
  static void auth(DynamicPropertyRegistry properties) {
    properties.add("digitlab.auth.enabled", () -> "true");
  }

  private static final ObjectMapper JSON = Json.mapper();

  @Autowired TokenStore tokens;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void bulk_tag_cancel_delete_restore_waiting_reason_and_the_experiments_list() throws Exception {
    try {
      userPath();
    } catch (Throwable failure) {
      browser.evidence("runs-bulk-failure");
      throw failure;
    }
  }

  private void userPath() throws Exception {
    var driver = browser.driver;
    String alice = tokens.create("alice", Role.USER).secret();
    String viewer = tokens.create("vic", Role.VIEWER).secret();
    long grid =
        create(
            alice,
            """
            {"name": "three-lrs", "config": {"model": "mlp", "epochs": 1, "device": "gpu"},
             "search": {"type": "grid", "parameters": {"learningRate": [0.1, 0.01, 0.001]}}}
            """);
    long gpu =
        create(
            alice,
            "{\"name\": \"needs-gpu\", \"config\": {\"model\": \"mlp\", \"device\": \"gpu\"}}");
    List<Long> ids = new ArrayList<>();
    JSON.readTree(send("GET", "/api/v1/experiments/" + grid, alice, null).body())
        .path("trials")
        .forEach(t -> ids.add(t.path("id").asLong()));
    assertThat(ids).hasSize(3);
    // Two runs logged through the MLflow API, with the metrics and params the list filters on.
    long cnn = mlflowRun(alice, "cnn-run", "cnn", 0.991);
    long mlp = mlflowRun(alice, "mlp-run", "mlp", 0.95);

    login(alice);

    // Select 2 of 3 on the experiment page and tag them.
    driver.get(url("/experiments/" + grid));
    tick(ids.get(0));
    tick(ids.get(1));
    assertThat(driver.findElement(By.id("bulk-count")).getText()).isEqualTo("2 selected");
    driver.findElement(By.id("bulk-tag")).sendKeys("group=baseline");
    driver.findElement(By.id("bulk-tag-button")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("td[data-tags='" + ids.get(0) + "']"), "group=baseline"));
    assertThat(driver.findElement(By.cssSelector("td[data-tags='" + ids.get(1) + "']")).getText())
        .isEqualTo("group=baseline");
    assertThat(driver.findElement(By.cssSelector("td[data-tags='" + ids.get(2) + "']")).getText())
        .isEmpty();
    browser.screenshots("runs-bulk-tagged");
    // The chip filters the runs table by the tag: 2 runs.
    driver.findElement(By.cssSelector("td[data-tags='" + ids.get(0) + "'] a.tag")).click();
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("/runs?filter="));
    assertThat(driver.findElement(By.id("filter")).getAttribute("value"))
        .isEqualTo("tags.`group` = 'baseline'");
    assertThat(driver.findElements(By.cssSelector("#runs-table tbody tr"))).hasSize(2);
    assertThat(driver.findElement(By.id("run-count")).getText()).isEqualTo("2 runs");
    // The runs page speaks as the other pages: the signed-in header with Logout, status words,
    // times as the site writes them (no raw ISO).
    assertThat(driver.findElement(By.id("signed-in")).getText()).isEqualTo("alice · user");
    assertThat(driver.findElements(By.id("logout"))).hasSize(1);
    assertThat(driver.findElement(By.id("runs-table")).getText())
        .contains("queued")
        .doesNotContain("SCHEDULED")
        .doesNotContainPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:");

    // Bulk cancel of the queued third trial on the runs table.
    driver.get(url("/experiments/" + grid + "/runs"));
    assertThat(driver.findElements(By.cssSelector("#runs-table tbody tr"))).hasSize(3);
    // Delete of a queued trial is refused next to the buttons, naming what to do.
    tick(ids.get(2));
    driver.findElement(By.id("bulk-delete")).click();
    browser.waiting(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("bulk-status"), "cancel"));
    assertThat(driver.findElement(By.id("bulk-status")).getText()).contains("still queued");
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("active");
    driver.findElement(By.id("bulk-cancel")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.cssSelector("tr[data-run='" + ids.get(2) + "']"), "cancelled"));
    assertThat(trial(ids.get(2), alice).path("status").asString()).isEqualTo("cancelled");
    assertThat(trial(ids.get(0), alice).path("status").asString()).isEqualTo("queued");

    // Bulk delete with the confirm dialog: dismissed, nothing happens; accepted, the row goes.
    tick(ids.get(2));
    driver.findElement(By.id("bulk-delete")).click();
    browser.waiting(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).dismiss();
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("active");
    driver.findElement(By.id("bulk-delete")).click();
    browser.waiting(Duration.ofSeconds(10)).until(ExpectedConditions.alertIsPresent()).accept();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.numberOfElementsToBe(By.cssSelector("#runs-table tbody tr"), 2));
    assertThat(driver.findElements(By.cssSelector("tr[data-run='" + ids.get(2) + "']"))).isEmpty();
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("deleted");
    driver.get(url("/experiments/" + grid));
    assertThat(driver.findElements(By.cssSelector("tr[data-trial='" + ids.get(2) + "']")))
        .isEmpty();

    // The waiting reason in the runs table, and on the experiments list.
    driver.get(url("/experiments/" + gpu + "/runs"));
    assertThat(driver.findElement(By.cssSelector("#runs-table [data-waiting]")).getText())
        .contains("waiting for a worker with capability gpu");
    // (The list re-reads itself every 2 s while these queued experiments are on it: its reads
    // below are repeated if that swapped the rows out from under them.)
    driver.get(url("/"));
    assertThat(browser.text(By.cssSelector("tr[data-id='" + gpu + "'] [data-waiting]")))
        .contains("waiting for a worker with capability gpu");
    browser.screenshots("experiments-waiting");

    // The experiments list: add a metric and a param column, sort by the metric, filter.
    driver.findElement(By.id("experiment-metrics")).sendKeys("test_accuracy");
    driver.findElement(By.id("experiment-params")).sendKeys("model");
    driver.findElement(By.id("experiment-query-submit")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(
            ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("th[data-column='metrics.test_accuracy']")));
    assertThat(driver.getCurrentUrl()).contains("metrics=test_accuracy").contains("params=model");
    driver
        .findElement(By.cssSelector("th[data-column='metrics.test_accuracy'] a[data-sort]"))
        .click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.urlContains("sort=metrics.test_accuracy"));
    // Descending: the best first, experiments without the metric last.
    List<String> order = rowIds();
    assertThat(order.subList(0, 2)).containsExactly(Long.toString(cnn), Long.toString(mlp));
    assertThat(cell(cnn, 8)).isEqualTo("cnn");
    assertThat(cell(cnn, 9)).isEqualTo("0.991");
    // Still there after a reload of the shared URL.
    driver.get(driver.getCurrentUrl());
    assertThat(driver.findElements(By.cssSelector("th[data-column='params.model']"))).hasSize(1);
    WebElement box = driver.findElement(By.id("experiment-filter"));
    box.sendKeys("metrics.test_accuracy > 0.98 and params.model = 'cnn'");
    driver.findElement(By.id("experiment-query-submit")).click();
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("filter="));
    assertThat(rowIds()).containsExactly(Long.toString(cnn));
    browser.screenshots("experiments-query");
    // Counts are metrics too: the grid experiment has 2 trials queued (its third, cancelled, was
    // deleted and no longer counts).
    driver.findElement(By.id("experiment-filter")).clear();
    driver
        .findElement(By.id("experiment-filter"))
        .sendKeys("metrics.trials_queued = 2 and metrics.trials_cancelled = 0");
    driver.findElement(By.id("experiment-query-submit")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.urlContains("trials_cancelled"));
    assertThat(rowIds()).containsExactly(Long.toString(grid));

    // A malformed query: the message next to the box, a 400, not a 500.
    driver.findElement(By.id("experiment-filter")).clear();
    driver.findElement(By.id("experiment-filter")).sendKeys("metrics.test_accuracy >");
    driver.findElement(By.id("experiment-query-submit")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.presenceOfElementLocated(By.id("experiment-filter-error")));
    assertThat(driver.findElement(By.id("experiment-filter-error")).getText())
        .contains("test_accuracy");
    assertThat(driver.findElement(By.id("experiment-filter")).getAttribute("aria-invalid"))
        .isEqualTo("true");
    HttpResponse<String> malformed =
        send(
            "GET",
            "/?filter=" + URLEncoder.encode("metrics.test_accuracy >", StandardCharsets.UTF_8),
            alice,
            null);
    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(
            send(
                    "GET",
                    "/?sort=metrics.test_accuracy&order=desc&filter="
                        + URLEncoder.encode("params.model = cnn", StandardCharsets.UTF_8),
                    alice,
                    null)
                .statusCode())
        .isEqualTo(400);
    browser.screenshots("experiments-query-error");

    // Restore, as MLflow's "Deleted" runs view does: the experiment page says how many trials are
    // deleted and links to the runs table's deleted view, which offers Restore (not Delete nor
    // Cancel); restored, the trial is back in the table and in the experiment's counts.
    driver.get(url("/experiments/" + grid));
    assertThat(driver.findElement(By.id("trial-counts")).getText()).startsWith("2 in all");
    // Opened as a page load (not a click), so that bulk.js has run before the boxes are ticked.
    String deletedView =
        driver.findElement(By.cssSelector("#deleted-trials a")).getAttribute("href");
    assertThat(deletedView).contains("view=DELETED_ONLY");
    driver.get(deletedView);
    assertThat(driver.findElement(By.id("run-count")).getText()).isEqualTo("1 deleted run");
    assertThat(driver.findElements(By.id("deleted-empty"))).isEmpty();
    assertThat(driver.findElements(By.cssSelector("#runs-table tbody tr"))).hasSize(1);
    assertThat(driver.findElements(By.cssSelector("[data-deleted='" + ids.get(2) + "']")))
        .hasSize(1);
    assertThat(driver.findElements(By.id("bulk-delete"))).isEmpty();
    assertThat(driver.findElements(By.id("bulk-cancel"))).isEmpty();
    tick(ids.get(2));
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.textToBe(By.id("bulk-count"), "1 selected"));
    driver.findElement(By.id("bulk-restore")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.textToBe(By.id("run-count"), "0 deleted runs"));
    // The empty deleted view says how runs get there and that they come back from it.
    assertThat(driver.findElements(By.cssSelector("#runs-table tbody tr"))).isEmpty();
    assertThat(driver.findElement(By.id("deleted-empty")).getText())
        .contains("Delete selected")
        .contains("POST /api/v1/trials/delete")
        .contains("delete-run")
        .contains("restored")
        .contains("Restore selected");
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("active");
    browser.screenshots("runs-restored");
    driver.get(url("/experiments/" + grid));
    assertThat(driver.findElements(By.cssSelector("tr[data-trial='" + ids.get(2) + "']")))
        .hasSize(1);
    assertThat(driver.findElement(By.id("trial-counts")).getText())
        .startsWith("3 in all")
        .contains("1 cancelled");
    assertThat(driver.findElements(By.id("deleted-trials"))).isEmpty();
    driver.get(
        url(
            "/?filter="
                + URLEncoder.encode(
                    "metrics.trials_queued = 2 and metrics.trials_cancelled = 1",
                    StandardCharsets.UTF_8)));
    assertThat(rowIds()).containsExactly(Long.toString(grid));
    // Deleted again (through the API) for the viewer below.
    assertThat(
            send("POST", "/api/v1/trials/delete", alice, "{\"trials\": [" + ids.get(2) + "]}")
                .statusCode())
        .isEqualTo(200);

    // A viewer: no bulk buttons on either table, and its own session's request is refused.
    driver.manage().deleteAllCookies();
    login(viewer);
    driver.get(url("/experiments/" + grid));
    assertThat(driver.findElements(By.id("bulk-bar"))).isEmpty();
    assertThat(driver.findElements(By.cssSelector("input[name=trial]"))).isNotEmpty();
    driver.get(url("/experiments/" + grid + "/runs"));
    assertThat(driver.findElements(By.id("bulk-bar"))).isEmpty();
    // The deleted view shows the viewer the deleted trial, and no Restore.
    driver.findElement(By.cssSelector("#view option[value='DELETED_ONLY']")).click();
    driver.findElement(By.cssSelector("#run-search button[type=submit]")).click();
    browser.waiting(Duration.ofSeconds(20)).until(ExpectedConditions.urlContains("DELETED_ONLY"));
    assertThat(driver.findElements(By.cssSelector("tr[data-run='" + ids.get(2) + "']"))).hasSize(1);
    assertThat(driver.findElements(By.id("bulk-restore"))).isEmpty();
    assertThat(driver.findElements(By.id("bulk-bar"))).isEmpty();
    for (String action : List.of("tag", "cancel", "delete", "restore")) {
      Object status =
          ((org.openqa.selenium.JavascriptExecutor) driver)
              .executeAsyncScript(
                  "const done = arguments[arguments.length - 1];"
                      + " const c = window.DigitLab.csrf();"
                      + " const headers = {'Content-Type': 'application/json'};"
                      + " if (c) { headers[c.header] = c.token; }"
                      + " fetch('/api/v1/trials/' + arguments[0], {method: 'POST', headers: headers,"
                      + "   credentials: 'same-origin',"
                      + "   body: JSON.stringify({trials: [arguments[1]], key: 'evil'})})"
                      + " .then(r => done(r.status), e => done(String(e)));",
                  action,
                  action.equals("restore") ? ids.get(2) : ids.get(0));
      assertThat(((Number) status).intValue()).as("viewer " + action).isEqualTo(403);
    }
    JsonNode untouched = trial(ids.get(0), alice);
    assertThat(untouched.path("status").asString()).isEqualTo("queued");
    assertThat(untouched.path("lifecycleStage").asString()).isEqualTo("active");
    assertThat(trial(ids.get(2), alice).path("lifecycleStage").asString()).isEqualTo("deleted");
    driver.get(url("/experiments/" + grid));
    assertThat(driver.findElement(By.cssSelector("td[data-tags='" + ids.get(0) + "']")).getText())
        .isEqualTo("group=baseline");
  }

  private void login(String token) {
    var driver = browser.driver;
    driver.get(url("/login"));
    driver.findElement(By.id("token")).sendKeys(token);
    driver.findElement(By.id("login-submit")).click();
    browser
        .waiting(Duration.ofSeconds(20))
        .until(ExpectedConditions.presenceOfElementLocated(By.id("signed-in")));
  }

  private void tick(long trial) {
    WebElement box =
        browser.driver.findElement(By.cssSelector("input[name=trial][value='" + trial + "']"));
    if (!box.isSelected()) {
      box.click();
    }
  }

  /** The list's experiment ids, top to bottom (read again if its refresh swapped the rows). */
  private List<String> rowIds() {
    return browser.read(
        d ->
            d.findElements(By.cssSelector("#experiment-table tbody tr")).stream()
                .map(row -> row.getAttribute("data-id"))
                .toList());
  }

  private String cell(long experiment, int index) {
    return browser.read(
        d ->
            d.findElements(By.cssSelector("tr[data-id='" + experiment + "'] td"))
                .get(index)
                .getText());
  }

  private long create(String token, String body) throws Exception {
    HttpResponse<String> created = send("POST", "/api/v1/experiments", token, body);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return JSON.readTree(created.body()).path("id").asLong();
  }

  /** An MLflow experiment with one finished run; the experiment's id. */
  private long mlflowRun(String token, String name, String model, double accuracy)
      throws Exception {
    String experiment =
        mlflow(token, "experiments/create", "{\"name\": \"" + name + "\"}")
            .path("experiment_id")
            .asString();
    String run =
        mlflow(token, "runs/create", "{\"experiment_id\": \"" + experiment + "\"}")
            .path("run")
            .path("info")
            .path("run_id")
            .asString();
    mlflow(
        token,
        "runs/log-batch",
        """
        {"run_id": "%s", "metrics": [{"key": "test_accuracy", "value": %s, "timestamp": 1700000000000, "step": 0}],
         "params": [{"key": "model", "value": "%s"}]}
        """
            .formatted(run, accuracy, model));
    mlflow(token, "runs/update", "{\"run_id\": \"" + run + "\", \"status\": \"FINISHED\"}");
    return Long.parseLong(experiment);
  }

  private JsonNode mlflow(String token, String path, String body) throws Exception {
    HttpResponse<String> answer = send("POST", "/api/2.0/mlflow/" + path, token, body);
    assertThat(answer.statusCode()).as(path + ": " + answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  private JsonNode trial(long id, String token) throws Exception {
    HttpResponse<String> answer = send("GET", "/api/v1/trials/" + id, token, null);
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return JSON.readTree(answer.body());
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(url(path)))
            .header("Authorization", "Bearer " + token)
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
