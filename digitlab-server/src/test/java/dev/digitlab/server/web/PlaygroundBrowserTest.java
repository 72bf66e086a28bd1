package dev.digitlab.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.Waiting;
import dev.digitlab.server.trials.TrialStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.springframework.beans.factory.annotation.Autowired;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The registry's pages in real headless Chromium ({@link BrowserTestServer}, as {@link
 * WebUiBrowserTest}): the embedded worker trains a tiny MLP on MNIST from the developer's data
 * home, the test registers and promotes it through the API, then draws a digit on the playground's
 * canvas with mouse actions, reads the prediction and its probability bars, corrects the label and
 * finds that feedback through the API. The models, feedback, retraining, trial and workers pages
 * are photographed at both sizes.
 */
class PlaygroundBrowserTest extends BrowserTestServer {

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Test
  void a_digit_drawn_on_the_playground_is_predicted_and_its_correction_stored() throws Exception {
    try {
      playgroundPath();
    } catch (Throwable failure) {
      browser.evidence("playground-failure");
      throw failure;
    }
  }

  private void playgroundPath() throws Exception {
    var driver = browser.driver;

    // Before any model is in production, the playground says how to get one.
    driver.get(url("/playground"));
    assertThat(driver.findElement(By.id("no-model")).getText()).contains("digitlab model promote");
    driver.get(url("/models"));
    assertThat(driver.findElement(By.cssSelector(".empty")).getText()).contains("No models yet");

    long trialId = trainedTrial();
    JsonNode version =
        ok(
            send(
                "POST",
                "/api/v1/models/digits/versions",
                "{\"trialId\":" + trialId + ",\"description\":\"playground\"}"));
    ok(
        send(
            "PUT",
            "/api/v1/models/digits/aliases/production",
            "{\"version\":" + version.get("version").asInt() + "}"));

    // The finished trial still names the worker that ran it: on its page, in its experiment's
    // trials table, and as the row of the experiment's timeline.
    driver.get(url("/trials/" + trialId));
    assertThat(driver.findElement(By.id("trial-worker")).getText()).isEqualTo("embedded-1");
    driver.get(url("/experiments/" + trials.get(trialId).experimentId()));
    assertThat(driver.findElement(By.cssSelector("main table tbody tr")).getText())
        .contains("embedded-1");
    Object timelineRows =
        browser
            .waiting(LONG)
            .until(
                d ->
                    browser.js(
                        "const c = echarts.getInstanceByDom(document.getElementById('timeline'));"
                            + " return c && c.getOption() ? c.getOption().yAxis[0].data : null;"));
    assertThat(String.valueOf(timelineRows)).isEqualTo("[embedded-1]");
    // One trial, nothing searched: a note says why there are no search plots, instead of empty
    // panels.
    assertThat(driver.findElement(By.id("no-search")).getText()).contains("Nothing was searched");
    assertThat(driver.findElements(By.id("parallel"))).isEmpty();
    assertThat(driver.findElements(By.id("slice"))).isEmpty();

    driver.get(url("/models"));
    assertThat(driver.findElement(By.id("model-digits")).getText())
        .contains("production → v1", "Stage")
        // v1 already is production: no button to make it so again.
        .doesNotContain("Promote to production");
    assertThat(driver.findElement(By.cssSelector("nav a[aria-current=page]")).getText())
        .isEqualTo("Models");
    browser.screenshots("models");

    // Draw a "7": a bar across the top and a stroke down to the lower left, as a mouse does it.
    driver.get(url("/playground"));
    // Before the first drawing the page says what to do and where the answer will show, instead
    // of an empty panel.
    assertThat(driver.findElement(By.id("hint")).isDisplayed()).isTrue();
    assertThat(driver.findElement(By.id("hint")).getText()).contains("Draw a digit");
    assertThat(driver.findElement(By.id("preview-waiting")).isDisplayed()).isTrue();
    assertThat(driver.findElement(By.id("preprocessed")).isDisplayed()).isFalse();
    WebElement canvas = driver.findElement(By.id("canvas"));
    new Actions(driver)
        .moveToElement(canvas, -70, -80)
        .clickAndHold()
        .moveByOffset(70, 0)
        .moveByOffset(70, 0)
        .moveByOffset(-40, 80)
        .moveByOffset(-40, 80)
        .release()
        .perform();
    browser
        .waiting(Duration.ofSeconds(30))
        .until(ExpectedConditions.visibilityOfElementLocated(By.id("result")));
    String digit = driver.findElement(By.id("digit")).getText();
    assertThat(digit).matches("[0-9]");
    List<WebElement> bars = driver.findElements(By.cssSelector("#bars .bar"));
    assertThat(bars).hasSize(10);
    assertThat(driver.findElements(By.cssSelector("#bars .bar.best"))).hasSize(1);
    double total = 0;
    for (WebElement value : driver.findElements(By.cssSelector("#bars span:nth-child(3n)"))) {
      total += Double.parseDouble(value.getText().replace("%", ""));
    }
    assertThat(total).as("the probabilities add up to 100 %").isBetween(99.0, 101.0);
    assertThat(driver.findElement(By.id("meta")).getText()).contains("digits v1 (production)");
    assertThat(driver.findElement(By.id("preprocessed")).getAttribute("src")).startsWith("blob:");
    assertThat(driver.findElement(By.id("preview-waiting")).isDisplayed()).isFalse();
    assertThat(driver.findElement(By.id("hint")).isDisplayed()).isFalse();
    browser.screenshots("playground");

    // Correct it: whatever the model said, the user says it is another digit.
    int predicted = Integer.parseInt(digit);
    int corrected = (predicted + 1) % 10;
    driver.findElement(By.cssSelector("button[data-label='" + corrected + "']")).click();
    browser
        .waiting(Duration.ofSeconds(10))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("feedback"), "Thanks"));
    JsonNode stored = ok(send("GET", "/api/v1/models/digits/feedback", null));
    assertThat(stored).hasSize(1);
    assertThat(stored.get(0).get("label").asInt()).isEqualTo(corrected);
    assertThat(stored.get(0).get("predicted").asInt()).isEqualTo(predicted);

    driver.get(url("/models/digits/feedback"));
    assertThat(driver.findElements(By.cssSelector("table.data tbody tr"))).hasSize(1);
    browser.screenshots("model-feedback");
    driver.get(url("/models/digits/retraining"));
    assertThat(driver.findElement(By.tagName("h1")).getText())
        .isEqualTo("Retraining policy of digits");
    browser.screenshots("model-retraining");
    driver.get(url("/models/nothing/feedback"));
    assertThat(driver.findElement(By.tagName("main")).getText()).contains("404");
    browser.screenshots("model-not-found");
    // (The page re-reads its table every 3 s: each read is repeated if that swapped it out.)
    driver.get(url("/workers"));
    assertThat(browser.text(By.cssSelector("tr[data-worker='embedded-1']"))).contains("idle");
    assertThat(browser.text(By.cssSelector("main .empty")))
        .contains("./digitlab worker --server URL --token T");
    browser.screenshots("workers-empty-remote");
  }

  /** Trains a tiny MLP on the embedded worker and returns its succeeded trial's id. */
  private long trainedTrial() throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(URI.create(url("/api/v1/experiments")))
                .header("Content-Type", "application/yaml")
                .POST(
                    BodyPublishers.ofString(
                        "name: playground\n"
                            + "config: {model: mlp, epochs: 1, seed: 3, hiddenSizes: [32],"
                            + " trainSubset: 2000}\n"))
                .build(),
            BodyHandlers.ofString());
    long id = ok(response).get("id").asLong();
    ExperimentStatus status =
        Waiting.until(
            () -> experiments.find(id).orElseThrow().status(),
            s -> s == ExperimentStatus.SUCCEEDED || s == ExperimentStatus.FAILED,
            LONG,
            "the playground's model trained");
    assertThat(status).isEqualTo(ExperimentStatus.SUCCEEDED);
    return trials.listByExperiment(id).getFirst().id();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url(path)))
            .header("Content-Type", "application/json")
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return json.readTree(response.body());
  }
}
