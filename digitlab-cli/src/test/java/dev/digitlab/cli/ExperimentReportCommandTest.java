package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * {@code digitlab report --experiment ID --out DIR} against a real server whose embedded worker
 * trains a two-trial grid of tiny MLPs on real MNIST (skipped when MNIST was not fetched); the
 * saved page is then opened from disk in headless Chromium with the network off.
 */
class ExperimentReportCommandTest extends ServerCommandTest {

  /** An attribute or CSS reference that would make a browser fetch something from a host. */
  private static final Pattern REMOTE_REFERENCE =
      Pattern.compile(
          "(?i)(?:\\b(?:src|href|action|poster|srcset)\\s*=\\s*[\"']?\\s*(?:https?:)?//"
              + "|url\\(\\s*[\"']?\\s*(?:https?:)?//|@import|<link\\b|\\bfetch\\(|XMLHttpRequest)");

  static long experiment;
  static JsonNode finished;

  @BeforeAll
  static void startServerAndTrain() throws Exception {
    useServer(LocalServer.startWithWorkerOnMnist(home));
    ApiClient client = new ApiClient(URI.create(url), null);
    experiment =
        client
            .post(
                "/api/v1/experiments",
                """
                name: report-grid
                description: two learning rates, for the static report
                config: {model: mlp, epochs: 2, hiddenSizes: [16], trainSubset: 1000,
                         validationRatio: 0.1, seed: 1}
                search: {type: grid, parameters: {learningRate: [0.01, 0.0003]}}
                objective: {metric: test_f1_macro, goal: max}
                """,
                "application/yaml")
            .path("id")
            .asLong();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
    while (Instant.now().isBefore(deadline)) {
      JsonNode state = client.get("/api/v1/experiments/" + experiment);
      assertThat(state.path("status").asString()).isNotEqualTo("failed");
      if (state.path("status").asString().equals("succeeded")) {
        finished = state;
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("experiment " + experiment + " did not finish");
  }

  @Test
  void the_report_holds_summary_sortable_trials_curves_and_the_best_trials_results()
      throws IOException {
    Path site = dir.resolve("site");

    int exit = run("report", "--experiment", Long.toString(experiment), "--out", site.toString());

    assertThat(exit).as(err.toString()).isZero();
    Path index = site.resolve("index.html");
    assertThat(out.toString().trim()).isEqualTo(index.toAbsolutePath().toString());
    String html = Files.readString(index);
    long best = finished.path("bestTrialId").asLong();
    assertThat(html)
        .contains("Experiment " + experiment + ": report-grid")
        .contains("id=\"experiment-status\" class=\"succeeded\">succeeded<")
        .contains("test_f1_macro (max)")
        .contains("<td>learningRate</td><td>[0.01,3.0E-4]</td>")
        .contains("<tr class=\"best\" data-trial=\"" + best + "\">")
        .contains("id=\"curve-train_loss\"", "id=\"curve-val_accuracy\"")
        .contains("id=\"confusion\"", "id=\"per-class\"", "id=\"misclassified\"")
        .contains("<img alt=\"Test image ", "src=\"data:image/png;base64,");
    assertThat(Pattern.compile("data-trial=\"\\d+\"").matcher(html).results().count()).isEqualTo(2);
    // Each trial's line in each curve: two trials, and two epochs each in the validation curve.
    assertThat(html).containsPattern("id=\"curve-val_accuracy\"[^§]*?<polyline[^§]*?<polyline");
    assertThat(REMOTE_REFERENCE.matcher(html).find())
        .as("a reference the page would load from elsewhere")
        .isFalse();

    String rendered = OfflineChromium.render(index);
    assertThat(rendered)
        .contains("data-sortable=\"ready\"")
        .contains("id=\"confusion\"")
        .contains("id=\"experiment-status\" class=\"succeeded\">succeeded<");
  }

  @Test
  void an_unknown_experiment_is_reported_as_such_and_nothing_is_written() {
    Path site = dir.resolve("none");

    int exit = run("report", "--experiment", "987654", "--out", site.toString());

    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("987654");
    assertThat(site).doesNotExist();
  }

  @Test
  void an_out_that_is_a_file_is_said_so_and_the_file_is_kept() throws Exception {
    Path file = Files.writeString(dir.resolve("model.onnx"), "mine");

    int exit = run("report", "--experiment", Long.toString(experiment), "--out", file.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "error: " + file + " is a file: --out names the folder to write index.html into.");
    assertThat(file).hasContent("mine");
  }
}
