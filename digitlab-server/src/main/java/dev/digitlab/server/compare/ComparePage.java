package dev.digitlab.server.trials;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.web.ChartTrial;
import dev.digitlab.server.web.Figures;
import dev.digitlab.server.web.PageJson;
import dev.digitlab.server.web.WebPage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;

/**
 * {@code /compare?trial=1&trial=2} (what the trials tables' checkboxes send; {@code ?trials=1,2,3}
 * works too): trials of any experiments side by side — their final metrics in one table with the
 * best value of each marked, their curves overlaid, and their configs with the differing fields
 * marked (and a toggle to show only those).
 */
@Controller
@WebPage
class ComparePage {

  static final int MAX_TRIALS = 50;

  /** One config field across the compared trials. */
  record ConfigRow(String field, String label, List<String> values, boolean differs) {}

  /** One metric's final value per trial; {@code best} is the index of the best, or -1. */
  record MetricRow(String key, String label, String direction, List<String> values, int best) {}

  private final TrialStore trials;

  ComparePage(TrialStore trials) {
    this.trials = trials;
  }

  @GetMapping("/compare")
  String compare(
      @RequestParam(required = false) String trials,
      @RequestParam(name = "trial", required = false) List<String> picked,
      Model model) {
    Set<Long> ids = parse(trials);
    if (picked != null) {
      picked.forEach(p -> ids.addAll(parse(p)));
    }
    if (ids.size() > MAX_TRIALS) {
      throw new InvalidParameterException(
          "trials", "at most " + MAX_TRIALS + " trials can be compared at once");
    }
    List<Trial> found = this.trials.findAll(ids);
    List<ChartTrial> chart = new ArrayList<>();
    Set<String> metricKeys = new TreeSet<>(Set.of("train_loss"));
    Set<String> fields = new LinkedHashSet<>();
    for (Trial trial : found) {
      String experiment =
          this.trials.experimentOf(trial.id()).map(TrialExperiment::name).orElse("?");
      ChartTrial c = trial.chart(experiment + " #" + trial.ordinal() + " (" + trial.id() + ")");
      chart.add(c);
      metricKeys.addAll(c.metrics().keySet());
      fields.addAll(c.config().keySet());
    }
    List<ConfigRow> rows = new ArrayList<>();
    for (String field : fields) {
      List<Object> raw = chart.stream().map(c -> c.config().get(field)).toList();
      List<String> values = raw.stream().map(v -> v == null ? "–" : Figures.value(v)).toList();
      rows.add(
          new ConfigRow(field, Figures.label(field), values, raw.stream().distinct().count() > 1));
    }
    List<Long> missing =
        ids.stream().filter(id -> found.stream().noneMatch(t -> t.id() == id)).toList();
    model.addAttribute("ids", String.join(", ", ids.stream().map(String::valueOf).toList()));
    model.addAttribute("trials", chart);
    model.addAttribute("missing", missing);
    model.addAttribute("rows", rows);
    model.addAttribute("differing", rows.stream().filter(ConfigRow::differs).count());
    model.addAttribute("metricRows", metricRows(chart));
    model.addAttribute("metricKeys", metricKeys);
    model.addAttribute("chartData", PageJson.of(Map.of("trials", chart)));
    return "compare";
  }

  /**
   * The final value of every numeric metric any trial reported, test figures first; the best is the
   * lowest for losses and errors, the highest for everything else (accuracy, precision, F1).
   */
  static List<MetricRow> metricRows(List<ChartTrial> chart) {
    Set<String> all = new TreeSet<>();
    chart.forEach(c -> all.addAll(c.metrics().keySet()));
    List<MetricRow> rows = new ArrayList<>();
    for (String key : orderedKeys(all)) {
      List<Double> values =
          chart.stream()
              .map(c -> c.metrics().get(key) instanceof Number n ? n.doubleValue() : null)
              .toList();
      if (values.stream().allMatch(Objects::isNull)) {
        continue;
      }
      boolean lowerIsBetter = lowerIsBetter(key);
      boolean ranked = !NOT_RANKED.contains(key);
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
          new MetricRow(
              key,
              Figures.label(key),
              !ranked
                  ? "a setting, not a score"
                  : lowerIsBetter ? "lower is better" : "higher is better",
              values.stream().map(v -> percent ? Figures.percent(v) : Figures.metric(v)).toList(),
              best));
    }
    return rows;
  }

  private static List<String> orderedKeys(Set<String> keys) {
    List<String> ordered = new ArrayList<>();
    keys.stream().filter(k -> k.startsWith("test_")).forEach(ordered::add);
    keys.stream().filter(k -> !k.startsWith("test_")).forEach(ordered::add);
    return ordered;
  }

  /** Reported like metrics but not better or worse: what the schedule set, where it was. */
  static final Set<String> NOT_RANKED = Set.of("learning_rate", "lr", "epoch", "step");

  static boolean lowerIsBetter(String key) {
    return key.contains("loss") || key.contains("error") || key.endsWith("_seconds");
  }

  private static Set<Long> parse(String text) {
    Set<Long> ids = new LinkedHashSet<>();
    if (text == null) {
      return ids;
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
    if (ids.size() > MAX_TRIALS) {
      throw new InvalidParameterException(
          "trials", "at most " + MAX_TRIALS + " trials can be compared at once");
    }
    return ids;
  }
}
