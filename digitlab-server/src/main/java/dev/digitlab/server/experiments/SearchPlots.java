package dev.digitlab.server.experiments;

import static dev.digitlab.server.web.StaticHtml.esc;

import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.experiments.SvgLineChart.Series;
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
 * The search plots of the one-file report, drawn on the server: the optimization history (each
 * trial's objective and the best so far, pruned trials listed) and parameter importance (one-way
 * ANOVA η² of each searched parameter on the objective, as the experiment page computes it).
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

  static void render(
      StringBuilder html, Experiment experiment, List<Trial> list, List<String> searched) {
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
    html.append("<section id=\"search\"><h2>Search</h2>");
    if (xs.isEmpty()) {
      html.append("<p>No trial has finished with an objective yet.</p></section>");
      return;
    }
    double[] x = xs.stream().mapToDouble(Double::doubleValue).toArray();
    html.append("<div class=\"charts\"><figure><figcaption>Optimization history (")
        .append(esc(objective.metric().configName()))
        .append(" by trial, and the best so far)</figcaption>")
        .append(
            SvgLineChart.render(
                "history",
                "trial",
                objective.metric().configName(),
                List.of(
                    new Series(
                        "objective", SvgLineChart.COLOURS.get(0), x, values.toArray(Double[]::new)),
                    new Series(
                        "best so far",
                        SvgLineChart.COLOURS.get(1),
                        x,
                        best.toArray(Double[]::new)))))
        .append("</figure></div>");
    if (!pruned.isEmpty()) {
      html.append("<p id=\"pruned\">Pruned (stopped early): ")
          .append(esc(String.join(" ", pruned)))
          .append("</p>");
    }
    Map<String, Double> importance = importance(byOrdinal, objective, searched);
    if (!importance.isEmpty()) {
      html.append(
          "<h3>Parameter importance</h3><p>One-way ANOVA effect size (η²) of each parameter on the"
              + " objective over the succeeded trials (lists by value, numbers in 4 quantile bins),"
              + " normalised to sum to 1; not fANOVA: interactions are ignored.</p>"
              + "<table id=\"importance\"><tr><th>parameter</th><th>importance</th></tr>");
      importance.forEach(
          (name, share) ->
              html.append("<tr><td>")
                  .append(esc(name))
                  .append("</td><td class=\"num\">")
                  .append(String.format(Locale.ROOT, "%.3f", share))
                  .append("</td></tr>"));
      html.append("</table>");
    }
    html.append("</section>");
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
