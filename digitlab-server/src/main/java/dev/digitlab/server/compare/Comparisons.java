package dev.digitlab.server.compare;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.runs.RunReader;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialExperiment;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.CompareLimit;
import dev.digitlab.server.web.Figures;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Component;

/**
 * Builds a {@link Comparison} of trials of any experiments and kinds. A built-in trial brings its
 * config and its latest metrics; a run logged through the MLflow API ({@code external}) its params
 * as config rows and the latest value of each metric key, as MLflow's own compare view does.
 */
@Component
public class Comparisons {

  static final int MAX_TRIALS = CompareLimit.MAX_TRIALS;

  /** Reported like metrics but not better or worse: what the schedule set, where it was. */
  static final Set<String> NOT_RANKED = Set.of("learning_rate", "lr", "epoch", "step");

  private final TrialStore trials;
  private final RunReader runs;

  Comparisons(TrialStore trials, RunReader runs) {
    this.trials = trials;
    this.runs = runs;
  }

  /** The ids in {@code texts} ("1,2 3"), each text as the page's and API's parameters send it. */
  static Set<Long> ids(Collection<String> texts) {
    Set<Long> ids = new LinkedHashSet<>();
    for (String text : texts) {
      if (text == null) {
        continue;
      }
      for (String part : text.split("[,\\s]+")) {
        if (part.isBlank()) {
          continue;
        }
        try {
          ids.add(Long.parseLong(part.trim()));
        } catch (NumberFormatException e) {
          throw new InvalidParameterException(
              "trials", "must be trial ids separated by commas, like 1,2,3; got '" + part + "'");
        }
      }
    }
    if (ids.size() > MAX_TRIALS) {
      throw new InvalidParameterException(
          "trials", "at most " + MAX_TRIALS + " trials can be compared at once");
    }
    return ids;
  }

  Comparison of(Set<Long> ids) {
    // A deleted trial is left out as a missing one (the page says it may have been deleted).
    List<Trial> found = trials.findAll(ids).stream().filter(t -> !t.deleted()).toList();
    List<ChartTrial> chart = new ArrayList<>();
    Set<String> fields = new LinkedHashSet<>();
    for (Trial trial : found) {
      String experiment = trials.experimentOf(trial.id()).map(TrialExperiment::name).orElse("?");
      ChartTrial c =
          trial.kind().equals("external")
              ? external(trial, experiment).orElse(null)
              : trial.chart(experiment + " #" + trial.ordinal() + " (" + trial.id() + ")");
      if (c != null) {
        chart.add(c);
        fields.addAll(c.config().keySet());
      }
    }
    List<Comparison.ConfigRow> rows = new ArrayList<>();
    for (String field : fields) {
      List<Object> raw = chart.stream().map(c -> c.config().get(field)).toList();
      List<String> values =
          raw.stream().map(v -> v == null ? "–" : Figures.configValue(field, v)).toList();
      rows.add(
          new Comparison.ConfigRow(
              field, Figures.label(field), values, raw.stream().distinct().count() > 1));
    }
    List<Long> missing =
        ids.stream().filter(id -> chart.stream().noneMatch(t -> t.id() == id)).toList();
    return new Comparison(chart, metricRows(chart), rows, missing);
  }

  /** An MLflow run as the charts see a trial: params for config, latest metric values. */
  private java.util.Optional<ChartTrial> external(Trial trial, String experiment) {
    return runs.find(trial.id())
        .map(
            run -> {
              Map<String, Object> metrics = new LinkedHashMap<>();
              run.metrics().forEach((key, metric) -> metrics.put(key, metric.value()));
              String name = run.name().isBlank() ? "run" : run.name();
              return new ChartTrial(
                  trial.id(),
                  trial.experimentId(),
                  experiment + " / " + name + " (" + trial.id() + ")",
                  trial.status().dbValue(),
                  new LinkedHashMap<>(run.params()),
                  metrics,
                  ChartTrial.iso(trial.startedAt()),
                  ChartTrial.iso(trial.finishedAt()),
                  run.user(),
                  trial.ordinal(),
                  trial.kind());
            });
  }

  /**
   * The final value of every numeric metric any trial reported, test figures first; the best is the
   * lowest for losses and errors, the highest for everything else (accuracy, precision, F1).
   */
  static List<Comparison.MetricRow> metricRows(List<ChartTrial> chart) {
    Set<String> all = new TreeSet<>();
    chart.forEach(c -> all.addAll(c.metrics().keySet()));
    List<Comparison.MetricRow> rows = new ArrayList<>();
    for (String key : orderedKeys(all)) {
      List<Double> values =
          chart.stream()
              .map(c -> c.metrics().get(key) instanceof Number n ? n.doubleValue() : null)
              .toList();
      if (values.stream().allMatch(Objects::isNull)) {
        continue;
      }
      boolean lowerIsBetter = lowerIsBetter(key);
      boolean speed = speed(key);
      boolean ranked = !NOT_RANKED.contains(key) && !speed;
      int best = -1;
      for (int i = 0; i < values.size(); i++) {
        Double v = values.get(i);
        if (v != null
            && Double.isFinite(v)
            && (best < 0 || (lowerIsBetter ? v < values.get(best) : v > values.get(best)))) {
          best = i;
        }
      }
      // One trial, or all equal: nothing is better than anything else.
      if (!ranked || values.stream().filter(Objects::nonNull).distinct().count() < 2) {
        best = -1;
      }
      boolean percent = key.contains("accuracy");
      rows.add(
          new Comparison.MetricRow(
              key,
              Figures.label(key),
              speed
                  ? "how fast the machine ran it, not a score"
                  : !ranked
                      ? "a setting, not a score"
                      : lowerIsBetter ? "lower is better" : "higher is better",
              values.stream().map(v -> shown(key, v, percent)).toList(),
              best));
    }
    return rows;
  }

  /**
   * Speed and durations ({@code images_per_second}, {@code train_seconds}, {@code epoch_seconds}):
   * they measure the machine and its load at the time, not the model, so none is marked best.
   */
  static boolean speed(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.endsWith("_seconds") || k.endsWith("per_second");
  }

  /**
   * A value as a reader takes it in: accuracies as percentages, speeds as whole images per second
   * ({@code 2,229}), durations in seconds ({@code 2.3 s}), settings as written ({@code 0.0005}),
   * scores with four decimals.
   */
  private static String shown(String key, Double v, boolean percent) {
    if (v == null || !Double.isFinite(v)) {
      return Figures.metric(v);
    }
    if (percent) {
      return Figures.percent(v);
    }
    String k = key.toLowerCase(java.util.Locale.ROOT);
    if (k.endsWith("per_second")) {
      return String.format(java.util.Locale.ROOT, "%,.0f", v);
    }
    if (k.endsWith("_seconds")) {
      return String.format(java.util.Locale.ROOT, "%.1f s", v);
    }
    if (NOT_RANKED.contains(key)) {
      return Figures.value(v);
    }
    return Figures.metric(v);
  }

  private static List<String> orderedKeys(Set<String> keys) {
    List<String> ordered = new ArrayList<>();
    keys.stream().filter(k -> k.startsWith("test_")).forEach(ordered::add);
    keys.stream().filter(k -> !k.startsWith("test_")).forEach(ordered::add);
    return ordered;
  }

  /** Losses, errors (MLflow's rmse, mae, mse too) and durations: lower is better. */
  static boolean lowerIsBetter(String key) {
    String k = key.toLowerCase(java.util.Locale.ROOT);
    return k.contains("loss")
        || k.contains("error")
        || k.endsWith("_seconds")
        || k.equals("rmse")
        || k.equals("mse")
        || k.equals("mae")
        || k.endsWith("_rmse")
        || k.endsWith("_mse")
        || k.endsWith("_mae");
  }
}
