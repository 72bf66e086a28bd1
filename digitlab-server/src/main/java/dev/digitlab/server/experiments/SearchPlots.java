package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.experiments.LineChart.Series;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.web.ChartTrial;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The search plots of the one-file report, laid out on the server for its template: the
 * optimization history (each trial's objective and the best so far, pruned trials listed) and
 * parameter importance (one-way ANOVA η² of each searched parameter on the objective, as the
 * experiment page computes it).
 */
final class SearchPlots {

  private SearchPlots() {}

  /** The trial's value of the experiment's objective, as the roll-up reads it; null if none. */
  static Double objective(Trial trial, Objective objective) {
    return switch (ExperimentStore.trialColumn(objective.metric())) {
      case "test_accuracy" -> trial.testAccuracy();
      case "test_f1_macro" -> trial.testF1Macro();
      default -> trial.bestMetric();
    };
  }

  /**
   * What the report's search section shows.
   *
   * @param history the objective by trial and the best so far; null when no trial has finished with
   *     an objective yet
   * @param pruned the ordinals ({@code #3}) of the trials stopped early
   * @param importance each searched parameter's share, formatted, largest first
   */
  record View(
      String metric, LineChart history, List<String> pruned, Map<String, String> importance) {}

  static View of(Experiment experiment, List<Trial> list, List<String> searched) {
    Objective objective = experiment.objective();
    boolean maximize = objective.goal() == Goal.MAX;
    List<Trial> byOrdinal = new ArrayList<>(list);
    byOrdinal.sort(Comparator.comparingInt(Trial::ordinal));
    List<Double> xs = new ArrayList<>();
    List<Double> values = new ArrayList<>();
    List<Double> best = new ArrayList<>();
    List<String> pruned = new ArrayList<>();
    Double bestSoFar = null;
    for (Trial trial : byOrdinal) {
      if (trial.status() == TrialStatus.PRUNED) {
        pruned.add("#" + trial.ordinal());
      }
      Double value = trial.status() == TrialStatus.SUCCEEDED ? objective(trial, objective) : null;
      if (value == null || !Double.isFinite(value)) {
        continue;
      }
      bestSoFar =
          bestSoFar == null || (maximize ? value > bestSoFar : value < bestSoFar)
              ? value
              : bestSoFar;
      xs.add((double) trial.ordinal());
      values.add(value);
      best.add(bestSoFar);
    }
    String metric = objective.metric().configName();
    if (xs.isEmpty()) {
      return new View(metric, null, pruned, Map.of());
    }
    double[] x = xs.stream().mapToDouble(Double::doubleValue).toArray();
    LineChart history =
        LineChart.of(
            "history",
            "trial",
            metric,
            List.of(
                new Series("objective", LineChart.COLOURS.get(0), x, values.toArray(Double[]::new)),
                new Series(
                    "best so far", LineChart.COLOURS.get(1), x, best.toArray(Double[]::new))));
    Map<String, String> importance = new LinkedHashMap<>();
    importance(byOrdinal, objective, searched)
        .forEach((name, share) -> importance.put(name, String.format(Locale.ROOT, "%.3f", share)));
    return new View(metric, history, pruned, importance);
  }

  /** Each parameter's normalised η², largest first. */
  static Map<String, Double> importance(
      List<Trial> trials, Objective objective, List<String> searched) {
    List<Map<String, Object>> configs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (Trial trial : trials) {
      Double y = trial.status() == TrialStatus.SUCCEEDED ? objective(trial, objective) : null;
      if (y != null && Double.isFinite(y)) {
        configs.add(ChartTrial.map(trial.config()));
        ys.add(y);
      }
    }
    Map<String, Double> eta = new LinkedHashMap<>();
    double sum = 0;
    for (String name : searched) {
      double e = etaSquared(configs, ys, name);
      eta.put(name, e);
      sum += e;
    }
    if (sum <= 0) {
      return Map.of();
    }
    Map<String, Double> out = new LinkedHashMap<>();
    double total = sum;
    eta.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(entry -> out.put(entry.getKey(), entry.getValue() / total));
    return out;
  }

  private static double etaSquared(
      List<Map<String, Object>> configs, List<Double> ys, String name) {
    int n = ys.size();
    if (n < 2) {
      return 0;
    }
    boolean numeric = configs.stream().allMatch(c -> c.get(name) instanceof Number);
    List<String> groups = new ArrayList<>();
    if (numeric) {
      double[] values =
          configs.stream().mapToDouble(c -> ((Number) c.get(name)).doubleValue()).toArray();
      double[] sorted = values.clone();
      java.util.Arrays.sort(sorted);
      double[] edges = new double[3];
      for (int q = 1; q <= 3; q++) {
        edges[q - 1] = sorted[Math.min(n - 1, q * n / 4)];
      }
      for (double v : values) {
        int bin = 0;
        for (double edge : edges) {
          bin += v >= edge ? 1 : 0;
        }
        groups.add(Integer.toString(bin));
      }
    } else {
      configs.forEach(c -> groups.add(String.valueOf(c.get(name))));
    }
    double mean = ys.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double totalSquares = 0;
    for (double y : ys) {
      totalSquares += (y - mean) * (y - mean);
    }
    if (totalSquares == 0) {
      return 0;
    }
    Map<String, double[]> sums = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      double[] s = sums.computeIfAbsent(groups.get(i), g -> new double[2]);
      s[0] += ys.get(i);
      s[1] += 1;
    }
    double between = 0;
    for (double[] s : sums.values()) {
      double m = s[0] / s[1];
      between += s[1] * (m - mean) * (m - mean);
    }
    return between / totalSquares;
  }
}
