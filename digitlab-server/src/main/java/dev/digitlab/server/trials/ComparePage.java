package dev.digitlab.server.trials;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.web.ChartTrial;
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
 * {@code /compare?trials=1,2,3}: trials of any experiments side by side, their curves overlaid and
 * their configs in one table with the differing fields marked.
 */
@Controller
@WebPage
class ComparePage {

  static final int MAX_TRIALS = 50;

  /** One config field across the compared trials. */
  record ConfigRow(String field, List<String> values, boolean differs) {}

  private final TrialStore trials;

  ComparePage(TrialStore trials) {
    this.trials = trials;
  }

  @GetMapping("/compare")
  String compare(@RequestParam(required = false) String trials, Model model) {
    Set<Long> ids = parse(trials);
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
      List<String> values =
          chart.stream().map(c -> String.valueOf(c.config().getOrDefault(field, "–"))).toList();
      rows.add(new ConfigRow(field, values, values.stream().distinct().count() > 1));
    }
    List<Long> missing =
        ids.stream().filter(id -> found.stream().noneMatch(t -> t.id() == id)).toList();
    model.addAttribute("ids", trials == null ? "" : trials);
    model.addAttribute("trials", chart);
    model.addAttribute("missing", missing);
    model.addAttribute("rows", rows);
    model.addAttribute("metricKeys", metricKeys);
    model.addAttribute("chartData", PageJson.of(Map.of("trials", chart)));
    return "compare";
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
    ids.removeIf(Objects::isNull);
    return ids;
  }
}
