package dev.digitlab.server.experiments;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.experiments.LineChart.Series;
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
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.thymeleaf.ITemplateEngine;
import org.thymeleaf.context.Context;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * An experiment as one self-contained HTML page, like the pipeline report: summary (config, search
 * space, objective, status, best trial), a trials table that sorts by any column, overlaid learning
 * curves, search plots, and the best trial's confusion matrix, per-class figures and most confident
 * mistakes. This class gathers the figures; the template {@code templates/reports/experiment.html}
 * lays them out, with its stylesheet and its one script (which only sorts the table) inline, charts
 * as inline SVG and images as data URIs. Nothing is loaded from elsewhere: {@code digitlab report
 * --experiment} saves it to open from disk with the network off.
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

  /** A name and its value as a reader wants it; {@code searched} when the search replaced it. */
  record Field(String name, String value, boolean searched) {}

  /** A table cell: the value the table sorts by ({@code data-value}) and the text shown. */
  record Cell(String value, String shown) {}

  /** One row of the trials table. */
  record Row(
      long id,
      int ordinal,
      boolean best,
      String status,
      List<Cell> parameters,
      List<Cell> numbers,
      String worker,
      String failure) {}

  /** A learning-curve chart and its caption. */
  record Chart(String caption, LineChart chart) {}

  /** A legend entry: a trial's colour in every chart. */
  record Legend(String colour, String label) {}

  /** One confusion-matrix cell, shaded like a heat map. */
  record Count(long n, String shade) {}

  /** A row of the per-class table: a class (or an average) and its figures. */
  record PerClass(String label, String precision, String recall, String f1, String support) {}

  /** One of the most confident mistakes; {@code src} is null when the image is not here. */
  record Mistake(int index, String src, String caption) {}

  /** The best trial's section. */
  record Best(
      int ordinal,
      String line,
      List<List<Count>> confusion,
      List<PerClass> perClass,
      String accuracy,
      Long mistakes,
      List<Mistake> misclassified) {}

  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final MetricHistory history;
  private final TrialFiles files;
  private final TestImages images;
  private final Clock clock;
  private final ITemplateEngine templates;

  ExperimentReport(
      ExperimentStore experiments,
      TrialStore trials,
      MetricHistory history,
      TrialFiles files,
      TestImages images,
      Clock clock,
      ITemplateEngine templates) {
    this.experiments = experiments;
    this.trials = trials;
    this.history = history;
    this.files = files;
    this.images = images;
    this.clock = clock;
    this.templates = templates;
  }

  /**
   * The report and the Content-Security-Policy the server sends with it: nothing from anywhere (the
   * file must open from disk with the network off anyway), its inline stylesheet, {@code data:}
   * images and only its own inline script, which carries this response's random nonce, so that
   * markup injected into the page runs no script. The same policy (but {@code frame-ancestors},
   * which browsers ignore in a meta tag) is written into the page's head, so a saved copy opened
   * from disk, where no header comes with it, refuses injected script too.
   */
  record Page(String html, String contentSecurityPolicy) {}

  private static final SecureRandom NONCES = new SecureRandom();

  /** The experiment's report page; {@link NotFoundException} when there is no such experiment. */
  Page render(long id) {
    Experiment experiment =
        experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
    // Deleted trials leave the report as they leave the experiment's page.
    List<Trial> list = trials.listByExperiment(id).stream().filter(t -> !t.deleted()).toList();
    Optional<Trial> best =
        list.stream().filter(t -> Objects.equals(t.id(), experiment.bestTrialId())).findFirst();
    List<String> searched = ExperimentPage.searchedParameters(list);
    JsonNode spec = tree(experiment.spec());
    Map<String, Object> page = new HashMap<>();
    page.put("experiment", experiment);
    page.put("status", experiment.status().dbValue());
    page.put("counts", experiments.countTrials(id));
    page.put("bestLine", best.map(trial -> bestLine(experiment, trial)).orElse("none yet"));
    page.put("trainTime", Figures.duration(experiment.totalTrainSeconds()));
    page.put("created", Figures.time(experiment.createdAt()));
    page.put("tags", experiment.tags().isEmpty() ? null : String.join(", ", experiment.tags()));
    page.put("config", config(spec));
    page.put("search", searchLine(spec.path("search")));
    page.put("space", space(spec.path("search")));
    page.put("searched", searched);
    page.put("rows", list.stream().map(trial -> row(experiment, trial, searched)).toList());
    List<Legend> legend = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      legend.add(new Legend(colour(i), "#" + list.get(i).ordinal()));
    }
    page.put("legend", legend);
    page.put("curves", curves(list));
    page.put(
        "plots",
        searched.isEmpty()
            ? null
            : SearchPlots.of(
                experiment, list, searched, ExperimentPage.logScaled(experiment.spec())));
    page.put("best", best.map(trial -> best(experiment, trial, searched)).orElse(null));
    page.put("written", Figures.time(clock.instant()));
    byte[] random = new byte[16];
    NONCES.nextBytes(random);
    String nonce = Base64.getEncoder().encodeToString(random);
    page.put("nonce", nonce);
    String policy =
        "default-src 'none'; script-src 'nonce-"
            + nonce
            + "'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";
    page.put("policy", policy);
    return new Page(
        templates.process("reports/experiment", new Context(Locale.ROOT, page)),
        policy + "; frame-ancestors 'none'");
  }

  private static String bestLine(Experiment experiment, Trial trial) {
    return "#"
        + trial.ordinal()
        + " (trial "
        + trial.id()
        + "): "
        + experiment.objectiveMetricName()
        + " "
        + Figures.metric(experiment.bestObjective())
        + ", test accuracy "
        + Figures.metric(trial.testAccuracy())
        + ", macro-F1 "
        + Figures.metric(trial.testF1Macro());
  }

  /** The base config as submitted (defaults filled in). */
  private static List<Field> config(JsonNode spec) {
    JsonNode parameters = spec.path("search").path("parameters");
    List<Field> fields = new ArrayList<>();
    spec.path("config")
        .properties()
        .forEach(
            field ->
                fields.add(
                    new Field(
                        field.getKey(),
                        text(field.getValue()),
                        // The base value is not what the trials ran with: the search replaced it.
                        parameters.has(field.getKey()))));
    return fields;
  }

  /** "grid search, trials 10": the search's type and settings; null when there is no search. */
  private static String searchLine(JsonNode search) {
    if (search.isMissingNode() || search.isNull()) {
      return null;
    }
    StringBuilder line = new StringBuilder(search.path("type").asString("grid")).append(" search");
    search
        .properties()
        .forEach(
            field -> {
              if (!field.getKey().equals("type") && !field.getKey().equals("parameters")) {
                line.append(", ").append(field.getKey()).append(' ').append(text(field.getValue()));
              }
            });
    return line.toString();
  }

  private static List<Field> space(JsonNode search) {
    List<Field> parameters = new ArrayList<>();
    search
        .path("parameters")
        .properties()
        .forEach(p -> parameters.add(new Field(p.getKey(), text(p.getValue()), true)));
    return parameters;
  }

  private static Row row(Experiment experiment, Trial trial, List<String> searched) {
    Map<String, Object> config = ChartTrial.map(trial.config());
    List<Cell> parameters = new ArrayList<>();
    for (String p : searched) {
      String value = text(JSON.valueToTree(config.get(p)));
      parameters.add(new Cell(value, value));
    }
    return new Row(
        trial.id(),
        trial.ordinal(),
        Objects.equals(trial.id(), experiment.bestTrialId()),
        trial.status().dbValue(),
        parameters,
        List.of(
            number(trial.testAccuracy(), Figures.metric(trial.testAccuracy())),
            number(trial.testF1Macro(), Figures.metric(trial.testF1Macro())),
            number(trial.bestMetric(), Figures.metric(trial.bestMetric())),
            number(trial.trainSeconds(), Figures.duration(trial.trainSeconds()))),
        trial.workerName() == null ? "" : trial.workerName(),
        trial.failureReason());
  }

  private static Cell number(Double value, String shown) {
    return new Cell(value == null || !Double.isFinite(value) ? "" : value.toString(), shown);
  }

  /** One chart per learning curve any trial reported, every trial's line overlaid. */
  private List<Chart> curves(List<Trial> list) {
    Set<String> keys = Set.copyOf(CURVES.stream().map(Curve::key).toList());
    List<Map<String, List<MetricSample>>> perTrial = new ArrayList<>();
    for (Trial trial : list) {
      perTrial.add(history.of(trial.id(), keys, null, null, CURVE_POINTS));
    }
    List<Chart> charts = new ArrayList<>();
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
      if (!series.isEmpty()) {
        charts.add(
            new Chart(
                curve.title() + " (" + curve.key() + ")",
                LineChart.of(
                    "curve-" + curve.key(),
                    curve.byEpoch() ? "epoch" : "step",
                    curve.key(),
                    series)));
      }
    }
    return charts;
  }

  private Best best(Experiment experiment, Trial trial, List<String> searched) {
    StringBuilder line = new StringBuilder();
    Map<String, Object> config = ChartTrial.map(trial.config());
    for (String p : searched) {
      line.append(p).append(' ').append(text(JSON.valueToTree(config.get(p)))).append(", ");
    }
    line.append("test accuracy ")
        .append(Figures.metric(trial.testAccuracy()))
        .append(", macro-F1 ")
        .append(Figures.metric(trial.testF1Macro()))
        .append(", trained in ")
        .append(Figures.duration(trial.trainSeconds()))
        .append("; the rest of its config is the one above.");
    List<List<Count>> confusion =
        report(trial, RunArtifact.CONFUSION_MATRIX)
            .map(matrix -> confusion(matrix.path("counts")))
            .orElse(null);
    Optional<JsonNode> perClass = report(trial, RunArtifact.PER_CLASS);
    Optional<JsonNode> mistakes = report(trial, RunArtifact.MISCLASSIFIED);
    return new Best(
        trial.ordinal(),
        line.toString(),
        confusion,
        perClass.map(ExperimentReport::perClass).orElse(null),
        perClass.map(r -> Figures.metric(r.path("accuracy").asDouble())).orElse(null),
        mistakes.map(m -> m.path("mistakes").asLong()).orElse(null),
        mistakes.map(m -> misclassified(experiment, m.path("examples"))).orElse(null));
  }

  /** Counts shaded like a heat map: errors against the largest error. */
  private static List<List<Count>> confusion(JsonNode counts) {
    long maxError = 1;
    for (int t = 0; t < counts.size(); t++) {
      for (int p = 0; p < counts.get(t).size(); p++) {
        if (t != p) {
          maxError = Math.max(maxError, counts.get(t).get(p).asLong());
        }
      }
    }
    List<List<Count>> rows = new ArrayList<>();
    for (int t = 0; t < counts.size(); t++) {
      List<Count> row = new ArrayList<>();
      for (int p = 0; p < counts.get(t).size(); p++) {
        long n = counts.get(t).get(p).asLong();
        String shade =
            t == p
                ? "#dcfce7"
                : String.format(
                    Locale.ROOT, "rgba(220,38,38,%.2f)", n == 0 ? 0 : 0.1 + 0.8 * n / maxError);
        row.add(new Count(n, shade));
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<PerClass> perClass(JsonNode report) {
    List<PerClass> rows = new ArrayList<>();
    for (JsonNode c : report.path("classes")) {
      rows.add(
          new PerClass(
              Integer.toString(c.path("classIndex").asInt()),
              Figures.metric(c.path("precision").asDouble()),
              Figures.metric(c.path("recall").asDouble()),
              Figures.metric(c.path("f1").asDouble()),
              Long.toString(c.path("support").asLong())));
    }
    for (String average : List.of("macro", "weighted")) {
      rows.add(
          new PerClass(
              average,
              Figures.metric(report.path(average + "Precision").asDouble()),
              Figures.metric(report.path(average + "Recall").asDouble()),
              Figures.metric(report.path(average + "F1").asDouble()),
              ""));
    }
    return rows;
  }

  /**
   * The most confident mistakes with their images inlined from the test set; when the server does
   * not have the dataset's files, only their labels.
   */
  private List<Mistake> misclassified(Experiment experiment, JsonNode examples) {
    List<Mistake> shown = new ArrayList<>();
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
      String src = null;
      try {
        src = StaticHtml.png(images.png(experiment.dataset(), index));
      } catch (NotFoundException e) {
        // The dataset is not on this server: the labels still say what went wrong.
        log.debug("no image for the report: {}", e.getMessage());
      }
      shown.add(new Mistake(index, src, caption));
    }
    return shown;
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
    return LineChart.COLOURS.get(index % LineChart.COLOURS.size());
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
