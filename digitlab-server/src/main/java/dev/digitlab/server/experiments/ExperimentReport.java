package dev.digitlab.server.experiments;

import static dev.digitlab.server.web.StaticHtml.esc;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.experiments.SvgLineChart.Series;
import dev.digitlab.server.trials.MetricHistory;
import dev.digitlab.server.trials.MetricSample;
import dev.digitlab.server.trials.TestImages;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialFiles;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.StaticHtml;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * An experiment as one self-contained HTML page, like the pipeline report: summary (config, search
 * space, objective, status, best trial), a trials table that sorts by any column, overlaid learning
 * curves, and the best trial's confusion matrix, per-class figures and most confident mistakes.
 * Charts are inline SVG and images data URIs; the one script is inline and only sorts the table.
 * Nothing is loaded from elsewhere: {@code digitlab report --experiment} saves it to open from disk
 * with the network off.
 */
@Component
class ExperimentReport {

  /** How many misclassified test images the report inlines (~1 kB each), most confident first. */
  static final int MISCLASSIFIED_SHOWN = 24;

  /** At most this many points per curve, so that long trials do not make the file huge. */
  private static final int CURVE_POINTS = 400;

  private static final Logger log = LoggerFactory.getLogger(ExperimentReport.class);
  private static final ObjectMapper JSON = Json.mapper();

  /** A learning curve: a metric the worker reports, plotted against step or epoch. */
  private record Curve(String key, String title, boolean byEpoch) {}

  private static final List<Curve> CURVES =
      List.of(
          new Curve("train_loss", "Training loss per step", false),
          new Curve("epoch_train_loss", "Training loss per epoch", true),
          new Curve("val_loss", "Validation loss", true),
          new Curve("val_accuracy", "Validation accuracy", true));

  private static final String STYLE =
      "body{font-family:system-ui,sans-serif;margin:16px;color:#1f2937;max-width:1200px}"
          // Wide tables scroll on their own instead of widening the page on a phone.
          + "table{border-collapse:collapse;margin:8px 0;display:block;max-width:100%;"
          + "overflow-x:auto}td,th{border:1px solid #d1d5db;"
          + "padding:3px 8px;text-align:left;font-size:13px}th{background:#f3f4f6}"
          + "td.num{text-align:right;font-variant-numeric:tabular-nums}"
          + "th button{all:unset;cursor:pointer;color:#1d4ed8}"
          + "th[aria-sort=ascending] button::after{content:' \\25B2'}"
          + "th[aria-sort=descending] button::after{content:' \\25BC'}"
          + "tr.best{background:#ecfdf5;font-weight:600}"
          + ".succeeded{color:#15803d}.failed{color:#b91c1c}.cancelled{color:#6b7280}"
          + ".running,.queued{color:#1d4ed8}section{border-top:1px solid #e5e7eb;margin-top:24px}"
          + "dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}dt{color:#6b7280}"
          + "dd{margin:0}.charts{display:flex;flex-wrap:wrap;gap:16px}.charts figure{margin:0}"
          + "svg{max-width:100%;height:auto}.legend{list-style:none;padding:0;display:flex;"
          + "flex-wrap:wrap;gap:4px 12px;font-size:13px}.legend span{display:inline-block;width:"
          + "12px;height:12px;margin-right:4px;vertical-align:middle}.gallery{display:flex;"
          + "flex-wrap:wrap;gap:8px}.gallery figure{margin:0;text-align:center;font-size:12px}"
          + ".gallery img{width:84px;height:84px;image-rendering:pixelated}";

  /** Sorts the trials table by a clicked column: numbers as numbers, empty cells last. */
  private static final String SORT_SCRIPT =
      """
      (function () {
        var table = document.getElementById('trial-table');
        var heads = table.tHead.rows[0].cells;
        function key(cell) {
          var v = cell.getAttribute('data-value');
          if (v === null || v === '') { return null; }
          var n = Number(v);
          return isNaN(n) ? v : n;
        }
        Array.prototype.forEach.call(heads, function (th, col) {
          var button = th.querySelector('button');
          if (!button) { return; }
          button.addEventListener('click', function () {
            var descending = th.getAttribute('aria-sort') === 'ascending';
            Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
            th.setAttribute('aria-sort', descending ? 'descending' : 'ascending');
            var body = table.tBodies[0];
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (a, b) {
              var x = key(a.cells[col]), y = key(b.cells[col]);
              if (x === null || y === null) { return (x === null) - (y === null); }
              var c = typeof x === 'number' && typeof y === 'number'
                ? x - y : String(x).localeCompare(String(y));
              return descending ? -c : c;
            });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });
        table.setAttribute('data-sortable', 'ready');
      })();
      """;

  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final MetricHistory history;
  private final TrialFiles files;
  private final TestImages images;
  private final Clock clock;

  ExperimentReport(
      ExperimentStore experiments,
      TrialStore trials,
      MetricHistory history,
      TrialFiles files,
      TestImages images,
      Clock clock) {
    this.experiments = experiments;
    this.trials = trials;
    this.history = history;
    this.files = files;
    this.images = images;
    this.clock = clock;
  }

  /** The experiment's report page; {@link NotFoundException} when there is no such experiment. */
  String render(long id) {
    Experiment experiment =
        experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
    List<Trial> list = trials.listByExperiment(id);
    Optional<Trial> best =
        list.stream().filter(t -> Objects.equals(t.id(), experiment.bestTrialId())).findFirst();
    StringBuilder html = new StringBuilder(128 * 1024);
    html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>Experiment ")
        .append(id)
        .append(" · ")
        .append(esc(experiment.name()))
        .append("</title><style>")
        .append(STYLE)
        .append("</style></head><body>");
    summary(html, experiment, list, best);
    spec(html, experiment);
    List<String> searched = ExperimentPage.searchedParameters(list);
    trialTable(html, experiment, list, searched);
    curves(html, list);
    if (!searched.isEmpty()) {
      SearchPlots.render(html, experiment, list, searched);
    }
    best.ifPresent(trial -> bestTrial(html, experiment, trial, searched));
    html.append("<footer><p>Written ")
        .append(Figures.time(clock.instant()))
        .append(" by Digit Lab.</p></footer><script>")
        .append(SORT_SCRIPT)
        .append("</script></body></html>\n");
    return html.toString();
  }

  private void summary(
      StringBuilder html, Experiment experiment, List<Trial> list, Optional<Trial> best) {
    TrialCounts counts = experiments.countTrials(experiment.id());
    html.append("<h1>Experiment ")
        .append(experiment.id())
        .append(": ")
        .append(esc(experiment.name()))
        .append("</h1>");
    if (experiment.description() != null && !experiment.description().isEmpty()) {
      html.append("<p>").append(esc(experiment.description())).append("</p>");
    }
    html.append("<dl id=\"summary\"><dt>Status</dt><dd><b id=\"experiment-status\" class=\"")
        .append(experiment.status().dbValue())
        .append("\">")
        .append(experiment.status().dbValue())
        .append("</b></dd><dt>Dataset</dt><dd>")
        .append(esc(experiment.dataset()))
        .append("</dd><dt>Objective</dt><dd id=\"objective\">")
        .append(esc(experiment.objectiveMetricName()))
        .append(" (")
        .append(experiment.objectiveGoalName())
        .append(")</dd><dt>Best trial</dt><dd id=\"best\">");
    if (best.isPresent()) {
      Trial trial = best.get();
      html.append('#')
          .append(trial.ordinal())
          .append(" (trial ")
          .append(trial.id())
          .append("): ")
          .append(esc(experiment.objectiveMetricName()))
          .append(' ')
          .append(Figures.metric(experiment.bestObjective()))
          .append(", test accuracy ")
          .append(Figures.metric(trial.testAccuracy()))
          .append(", macro-F1 ")
          .append(Figures.metric(trial.testF1Macro()));
    } else {
      html.append("none yet");
    }
    html.append("</dd><dt>Trials</dt><dd>")
        .append(counts.total())
        .append(" in all: ")
        .append(counts.queued())
        .append(" queued, ")
        .append(counts.running())
        .append(" running, ")
        .append(counts.succeeded())
        .append(" succeeded, ")
        .append(counts.failed())
        .append(" failed, ")
        .append(counts.cancelled())
        .append(" cancelled</dd><dt>Train time</dt><dd>")
        .append(Figures.duration(experiment.totalTrainSeconds()))
        .append(" in all trials</dd><dt>Created</dt><dd>")
        .append(Figures.time(experiment.createdAt()))
        .append("</dd>");
    if (!experiment.tags().isEmpty()) {
      html.append("<dt>Tags</dt><dd>").append(esc(String.join(", ", experiment.tags())));
      html.append("</dd>");
    }
    html.append("</dl>");
  }

  /** The base config and the search space as submitted (defaults filled in). */
  private static void spec(StringBuilder html, Experiment experiment) {
    JsonNode spec = tree(experiment.spec());
    JsonNode search = spec.path("search");
    html.append("<section id=\"config\"><h2>Config</h2><table><tr><th>field</th><th>value</th>")
        .append("</tr>");
    spec.path("config")
        .properties()
        .forEach(
            field ->
                html.append("<tr><td>")
                    .append(esc(field.getKey()))
                    .append("</td><td>")
                    .append(esc(text(field.getValue())))
                    // The base value is not what the trials ran with: the search replaced it.
                    .append(
                        search.path("parameters").has(field.getKey())
                            ? " <small>(searched, see below)</small>"
                            : "")
                    .append("</td></tr>"));
    html.append("</table><h2>Search space</h2>");
    if (search.isMissingNode() || search.isNull()) {
      html.append("<p id=\"search\">No search: the config above is the only trial.</p>");
    } else {
      html.append("<p id=\"search\">")
          .append(esc(search.path("type").asString("grid")))
          .append(" search");
      search
          .properties()
          .forEach(
              field -> {
                if (!field.getKey().equals("type") && !field.getKey().equals("parameters")) {
                  html.append(", ")
                      .append(esc(field.getKey()))
                      .append(' ')
                      .append(esc(text(field.getValue())));
                }
              });
      html.append("</p><table id=\"search-space\"><tr><th>parameter</th><th>values</th></tr>");
      search
          .path("parameters")
          .properties()
          .forEach(
              p ->
                  html.append("<tr><td>")
                      .append(esc(p.getKey()))
                      .append("</td><td>")
                      .append(esc(text(p.getValue())))
                      .append("</td></tr>"));
      html.append("</table>");
    }
    html.append("</section>");
  }

  private static void trialTable(
      StringBuilder html, Experiment experiment, List<Trial> list, List<String> searched) {
    html.append("<section id=\"trials\"><h2>Trials</h2><p>Click a heading to sort.</p>")
        .append("<table id=\"trial-table\"><thead><tr>")
        .append("<th aria-sort=\"ascending\"><button type=\"button\">trial</button></th>")
        .append("<th><button type=\"button\">status</button></th>");
    for (String p : searched) {
      html.append("<th><button type=\"button\">").append(esc(p)).append("</button></th>");
    }
    html.append("<th><button type=\"button\">test accuracy</button></th>")
        .append("<th><button type=\"button\">macro-F1</button></th>")
        .append("<th><button type=\"button\">")
        .append(esc(experiment.objectiveMetricName()))
        .append(" (objective)</button></th>")
        .append("<th><button type=\"button\">run time</button></th>")
        .append("<th><button type=\"button\">worker</button></th><th>failure</th>")
        .append("</tr></thead><tbody>");
    for (Trial trial : list) {
      Map<String, Object> config = ChartTrial.map(trial.config());
      boolean isBest = Objects.equals(trial.id(), experiment.bestTrialId());
      html.append(isBest ? "<tr class=\"best\"" : "<tr")
          .append(" data-trial=\"")
          .append(trial.id())
          .append("\"><td data-value=\"")
          .append(trial.ordinal())
          .append("\">#")
          .append(trial.ordinal())
          .append(isBest ? " ★ best" : "")
          .append("</td><td class=\"")
          .append(trial.status().dbValue())
          .append("\" data-value=\"")
          .append(trial.status().dbValue())
          .append("\">")
          .append(trial.status().dbValue())
          .append("</td>");
      for (String p : searched) {
        String value = esc(text(JSON.valueToTree(config.get(p))));
        html.append("<td data-value=\"").append(value).append("\">").append(value).append("</td>");
      }
      number(html, trial.testAccuracy(), Figures.metric(trial.testAccuracy()));
      number(html, trial.testF1Macro(), Figures.metric(trial.testF1Macro()));
      number(html, trial.bestMetric(), Figures.metric(trial.bestMetric()));
      number(html, trial.trainSeconds(), Figures.duration(trial.trainSeconds()));
      String worker = trial.workerName() == null ? "" : esc(trial.workerName());
      html.append("<td data-value=\"")
          .append(worker)
          .append("\">")
          .append(worker)
          .append("</td><td>")
          .append(esc(trial.failureReason()))
          .append("</td></tr>");
    }
    html.append("</tbody></table></section>");
  }

  private static void number(StringBuilder html, Double value, String shown) {
    html.append("<td class=\"num\" data-value=\"")
        .append(value == null || !Double.isFinite(value) ? "" : value.toString())
        .append("\">")
        .append(esc(shown))
        .append("</td>");
  }

  /** One chart per learning curve any trial reported, every trial's line overlaid. */
  private void curves(StringBuilder html, List<Trial> list) {
    Set<String> keys = Set.copyOf(CURVES.stream().map(Curve::key).toList());
    List<Map<String, List<MetricSample>>> perTrial = new ArrayList<>();
    for (Trial trial : list) {
      perTrial.add(history.of(trial.id(), keys, null, null, CURVE_POINTS));
    }
    html.append("<section id=\"curves\"><h2>Learning curves</h2>");
    StringBuilder legend = new StringBuilder("<ul class=\"legend\">");
    for (int i = 0; i < list.size(); i++) {
      legend
          .append("<li><span style=\"background:")
          .append(colour(i))
          .append("\"></span>#")
          .append(list.get(i).ordinal())
          .append("</li>");
    }
    legend.append("</ul>");
    html.append(legend).append("<div class=\"charts\">");
    int drawn = 0;
    for (Curve curve : CURVES) {
      List<Series> series = new ArrayList<>();
      for (int i = 0; i < list.size(); i++) {
        List<MetricSample> samples = perTrial.get(i).getOrDefault(curve.key(), List.of());
        if (samples.isEmpty()) {
          continue;
        }
        double[] xs = new double[samples.size()];
        Double[] ys = new Double[samples.size()];
        for (int j = 0; j < samples.size(); j++) {
          xs[j] = curve.byEpoch() ? samples.get(j).epoch() : samples.get(j).step();
          ys[j] = samples.get(j).value();
        }
        series.add(new Series("#" + list.get(i).ordinal(), colour(i), xs, ys));
      }
      if (series.isEmpty()) {
        continue;
      }
      drawn++;
      html.append("<figure><figcaption>")
          .append(esc(curve.title()))
          .append(" (")
          .append(esc(curve.key()))
          .append(")</figcaption>")
          .append(
              SvgLineChart.render(
                  "curve-" + curve.key(), curve.byEpoch() ? "epoch" : "step", curve.key(), series))
          .append("</figure>");
    }
    html.append("</div>");
    if (drawn == 0) {
      html.append("<p>No trial has reported a learning curve yet.</p>");
    }
    html.append("</section>");
  }

  private void bestTrial(
      StringBuilder html, Experiment experiment, Trial trial, List<String> searched) {
    html.append("<section id=\"best-trial\"><h2>Best trial: #")
        .append(trial.ordinal())
        .append("</h2><p>");
    Map<String, Object> config = ChartTrial.map(trial.config());
    for (String p : searched) {
      html.append(esc(p))
          .append(' ')
          .append(esc(text(JSON.valueToTree(config.get(p)))))
          .append(", ");
    }
    html.append("test accuracy ")
        .append(Figures.metric(trial.testAccuracy()))
        .append(", macro-F1 ")
        .append(Figures.metric(trial.testF1Macro()))
        .append(", trained in ")
        .append(Figures.duration(trial.trainSeconds()))
        .append("; the rest of its config is the one above.</p>");
    Optional<JsonNode> matrix = report(trial, RunArtifact.CONFUSION_MATRIX);
    if (matrix.isPresent()) {
      confusion(html, matrix.get().path("counts"));
    } else {
      html.append("<p>No confusion matrix was kept for this trial.</p>");
    }
    report(trial, RunArtifact.PER_CLASS).ifPresent(perClass -> perClass(html, perClass));
    report(trial, RunArtifact.MISCLASSIFIED)
        .ifPresent(mistakes -> misclassified(html, experiment, mistakes));
    html.append("</section>");
  }

  /** Counts as a table shaded like a heat map: errors against the largest error. */
  private static void confusion(StringBuilder html, JsonNode counts) {
    long maxError = 1;
    for (int t = 0; t < counts.size(); t++) {
      for (int p = 0; p < counts.get(t).size(); p++) {
        if (t != p) {
          maxError = Math.max(maxError, counts.get(t).get(p).asLong());
        }
      }
    }
    html.append("<h3>Confusion matrix</h3><p>Rows: true class; columns: predicted class.</p>")
        .append("<table id=\"confusion\"><tr><th>true \\ predicted</th>");
    for (int c = 0; c < counts.size(); c++) {
      html.append("<th>").append(c).append("</th>");
    }
    html.append("</tr>");
    for (int t = 0; t < counts.size(); t++) {
      html.append("<tr><th>").append(t).append("</th>");
      for (int p = 0; p < counts.get(t).size(); p++) {
        long n = counts.get(t).get(p).asLong();
        String shade =
            t == p
                ? "#dcfce7"
                : String.format(
                    Locale.ROOT, "rgba(220,38,38,%.2f)", n == 0 ? 0 : 0.1 + 0.8 * n / maxError);
        html.append("<td class=\"num\" style=\"background:")
            .append(shade)
            .append("\">")
            .append(n)
            .append("</td>");
      }
      html.append("</tr>");
    }
    html.append("</table>");
  }

  private static void perClass(StringBuilder html, JsonNode report) {
    html.append("<h3>Per class</h3><table id=\"per-class\"><tr><th>class</th><th>precision</th>")
        .append("<th>recall</th><th>F1</th><th>support</th></tr>");
    for (JsonNode c : report.path("classes")) {
      html.append("<tr><th>")
          .append(c.path("classIndex").asInt())
          .append("</th><td class=\"num\">")
          .append(Figures.metric(c.path("precision").asDouble()))
          .append("</td><td class=\"num\">")
          .append(Figures.metric(c.path("recall").asDouble()))
          .append("</td><td class=\"num\">")
          .append(Figures.metric(c.path("f1").asDouble()))
          .append("</td><td class=\"num\">")
          .append(c.path("support").asLong())
          .append("</td></tr>");
    }
    for (String average : List.of("macro", "weighted")) {
      html.append("<tr><th>")
          .append(average)
          .append("</th><td class=\"num\">")
          .append(Figures.metric(report.path(average + "Precision").asDouble()))
          .append("</td><td class=\"num\">")
          .append(Figures.metric(report.path(average + "Recall").asDouble()))
          .append("</td><td class=\"num\">")
          .append(Figures.metric(report.path(average + "F1").asDouble()))
          .append("</td><td></td></tr>");
    }
    html.append("</table><p>Test accuracy ")
        .append(Figures.metric(report.path("accuracy").asDouble()))
        .append("</p>");
  }

  /**
   * The most confident mistakes as images inlined from the test set; when the server does not have
   * the dataset's files, only their labels.
   */
  private void misclassified(StringBuilder html, Experiment experiment, JsonNode file) {
    JsonNode examples = file.path("examples");
    html.append("<h3>Misclassified test images</h3><p>")
        .append(file.path("mistakes").asLong())
        .append(" test images misclassified; the ")
        .append(Math.min(MISCLASSIFIED_SHOWN, examples.size()))
        .append(" most confident mistakes:</p><div class=\"gallery\" id=\"misclassified\">");
    for (int i = 0; i < Math.min(MISCLASSIFIED_SHOWN, examples.size()); i++) {
      JsonNode m = examples.get(i);
      int index = m.path("index").asInt();
      String caption =
          String.format(
              Locale.ROOT,
              "true %d → predicted %d (%.1f %%)",
              m.path("actual").asInt(),
              m.path("predicted").asInt(),
              m.path("confidence").asDouble() * 100);
      html.append("<figure>");
      try {
        html.append("<img alt=\"Test image ")
            .append(index)
            .append("\" src=\"")
            .append(StaticHtml.png(images.png(experiment.dataset(), index)))
            .append("\">");
      } catch (NotFoundException e) {
        // The dataset is not on this server: the labels still say what went wrong.
        log.debug("no image for the report: {}", e.getMessage());
      }
      html.append("<figcaption>").append(esc(caption)).append("</figcaption></figure>");
    }
    html.append("</div>");
  }

  private Optional<JsonNode> report(Trial trial, RunArtifact artifact) {
    Optional<Path> file = files.latest(trial, artifact);
    if (file.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readTree(file.get().toFile()));
    } catch (JacksonException e) {
      // A report that cannot be read is left out; the rest of the page is still worth having.
      log.warn("Trial {}: cannot read {}: {}", trial.id(), file.get(), e.toString());
      return Optional.empty();
    }
  }

  private static String colour(int index) {
    return SvgLineChart.COLOURS.get(index % SvgLineChart.COLOURS.size());
  }

  /** A JSON value as a reader wants it: strings without quotes, anything else as compact JSON. */
  private static String text(JsonNode value) {
    return value == null || value.isMissingNode()
        ? ""
        : value.isString() ? value.asString() : value.toString();
  }

  private static JsonNode tree(String json) {
    try {
      return JSON.readTree(json == null ? "{}" : json);
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored experiment spec is not JSON", e);
    }
  }
}
