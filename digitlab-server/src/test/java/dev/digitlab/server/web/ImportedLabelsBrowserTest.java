package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.tar.TarWriter;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Stored XSS through an imported experiment (session 11's outside attack): anyone who may import (a
 * plain user) sends an export whose trial configs and results hold HTML; the experiment page's
 * timeline tooltip and the trial page's confusion-matrix tooltip set their text as HTML, so an
 * admin who hovered a bar ran the attacker's script on the app's origin (with the admin's session
 * and CSRF token). Both tooltips now show the text as text.
 */
class ImportedLabelsBrowserTest extends BrowserTestServer {

  private static final String PAYLOAD = "<img src=x onerror=\"window.__xss=1\">";

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void an_imported_parameter_value_shows_as_text_in_the_timeline_tooltip() throws Exception {
    long id = importHostile();
    var driver = browser.driver;
    driver.get(url("/experiments/" + id));
    browser.waiting(Duration.ofSeconds(30)).until(d -> browser.chartPoints("timeline") > 0);

    browser.js(
        "echarts.getInstanceByDom(document.getElementById('timeline'))"
            + ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});");

    assertTooltipIsText("timeline");
  }

  @Test
  void an_imported_class_name_shows_as_text_in_the_confusion_matrix_tooltip() throws Exception {
    long id = importHostile();
    long trial =
        Json.mapper()
            .readTree(get("/api/v1/experiments/" + id))
            .path("trials")
            .get(0)
            .path("id")
            .asLong();
    var driver = browser.driver;
    driver.get(url("/trials/" + trial));
    browser.waiting(Duration.ofSeconds(30)).until(d -> browser.chartPoints("confusion") > 0);

    browser.js(
        "echarts.getInstanceByDom(document.getElementById('confusion'))"
            + ".dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});");

    assertTooltipIsText("confusion");
  }

  private void assertTooltipIsText(String chart) {
    // ECharts fills the tooltip in a timer after showTip (and the chart's own box is a div from
    // the start): wait for the payload's text to show. Set as HTML it never would (an <img> has no
    // text), and this fails.
    browser
        .waiting(Duration.ofSeconds(10))
        .withMessage("the tooltip shows the payload as text")
        .until(
            d ->
                ((String)
                        browser.js(
                            "return Array.from(document.querySelectorAll('#' + arguments[0]"
                                + " + ' div')).map(d => d.textContent).join(' ')",
                            chart))
                    .contains("<img src=x"));
    assertThat(browser.driver.findElements(By.cssSelector("#" + chart + " img"))).isEmpty();
    // Had the tooltip made a broken image, its onerror would have run by the time one made now,
    // after it, has failed to load (it had a fixed second, which a slow machine may not keep to).
    browser.js(
        "return new Promise(done => { const probe = new Image();"
            + " probe.onerror = probe.onload = () => done(true);"
            + " probe.src = 'x?probe=' + Date.now(); });");
    assertThat(browser.js("return window.__xss === undefined")).isEqualTo(true);
  }

  /**
   * An export as a hostile user would write it: a grid over batchSize whose first trial's value is
   * HTML (so the timeline labels it "#0 batchSize=<img …>"), ran on a worker, with a confusion
   * matrix whose class names are HTML.
   */
  private long importHostile() throws Exception {
    ObjectNode spec = Json.mapper().createObjectNode();
    spec.put("name", "innocent");
    spec.put("dataset", "mnist");
    spec.putObject("config").put("model", "mlp").put("epochs", 1);
    ObjectNode search = spec.putObject("search");
    search.put("type", "grid");
    search.putObject("parameters").putArray("batchSize").add(64).add(128);
    ObjectNode experiment = Json.mapper().createObjectNode();
    experiment.put("id", 1);
    experiment.put("name", "innocent");
    experiment.put("owner", "someone");
    experiment.put("description", "");
    experiment.putArray("tags");
    experiment.put("dataset", "mnist");
    experiment.put("spec", spec.toString());
    experiment.put("objectiveMetric", "test_f1_macro");
    experiment.put("objectiveGoal", "max");
    experiment.put("maxParallelTrials", 1);
    experiment.put("priority", 0);
    experiment.put("status", "succeeded");
    experiment.put("createdAt", "2026-12-07T11:00:00Z");
    ObjectNode config = Json.mapper().createObjectNode();
    config.put("model", "mlp");
    config.put("batchSize", PAYLOAD);
    ObjectNode matrix = Json.mapper().createObjectNode();
    matrix.putArray("classes").add(PAYLOAD).add("b");
    ArrayNode counts = matrix.putArray("counts");
    counts.addArray().add(3).add(1);
    counts.addArray().add(2).add(4);
    byte[] matrixBytes = matrix.toString().getBytes(StandardCharsets.UTF_8);
    ObjectNode trial = Json.mapper().createObjectNode();
    trial.put("id", 1);
    trial.put("ordinal", 0);
    trial.put("config", config.toString());
    trial.put("status", "succeeded");
    trial.put("attempt", 1);
    trial.put("workerName", "w1");
    trial.put("queuedAt", "2026-12-07T11:00:00Z");
    trial.put("startedAt", "2026-12-07T11:00:00Z");
    trial.put("finishedAt", "2026-12-07T11:05:00Z");
    // A tested trial, as its confusion matrix says: the trial page asks for test reports only then.
    trial.put("testAccuracy", 0.7);
    trial
        .putArray("artifacts")
        .addObject()
        .put("name", "confusion-matrix")
        .put("attempt", 1)
        .put("sha256", sha256(matrixBytes))
        .put("kind", "report")
        .put("bytes", matrixBytes.length);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("experiment.json", bytes(experiment));
    files.put("trials/0/trial.json", bytes(trial));
    files.put("trials/0/events.json", "[]".getBytes(StandardCharsets.UTF_8));
    files.put("trials/0/attempt-1/confusion-matrix.json", matrixBytes);
    // A second trial, so that batchSize is a searched parameter and in the trials' labels.
    ObjectNode second = trial.deepCopy();
    second.put("id", 2);
    second.put("ordinal", 1);
    second.put("config", config.deepCopy().put("batchSize", 128).toString());
    second.put("startedAt", "2026-12-07T11:06:00Z");
    second.put("finishedAt", "2026-12-07T11:08:00Z");
    second.putArray("artifacts");
    files.put("trials/1/trial.json", bytes(second));
    files.put("trials/1/events.json", "[]".getBytes(StandardCharsets.UTF_8));
    files.put("models.json", "[]".getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> imported =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/experiments/import?copy=true")))
                .header("Content-Type", "application/gzip")
                .POST(HttpRequest.BodyPublishers.ofByteArray(archive(files)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(201);
    return Json.mapper().readTree(imported.body()).path("id").asLong();
  }

  private String get(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(URI.create(url(path))).GET().build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private static byte[] archive(Map<String, byte[]> files) throws Exception {
    ObjectNode manifest = Json.mapper().createObjectNode();
    manifest.put("format", "digitlab-experiment");
    manifest.put("version", 2);
    manifest.put("exportedAt", "2026-12-07T11:10:00Z");
    ArrayNode entries = manifest.putArray("entries");
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      entries
          .addObject()
          .put("path", file.getKey())
          .put("size", file.getValue().length)
          .put("sha256", sha256(file.getValue()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(new GZIPOutputStream(out))) {
      tar.file("manifest.json", bytes(manifest));
      for (Map.Entry<String, byte[]> file : files.entrySet()) {
        tar.file(file.getKey(), file.getValue());
      }
    }
    return out.toByteArray();
  }

  private static byte[] bytes(ObjectNode node) {
    return node.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
