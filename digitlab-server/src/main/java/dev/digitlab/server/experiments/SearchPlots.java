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
 * optimization history (each trial's objective and the best so far, pruned trials listed),
 * parameter importance (fANOVA, {@link SearchImportance}, the same figures as the experiment
 * page's), parallel coordinates and a slice plot per parameter.
 */
final class SearchPlots {

  private SearchPlots() {}

  /**
   * The trial's value of the experiment's objective, as the roll-up reads it; null if none, and for
   * an experiment without an objective (one logged through the MLflow API).
   */
  static Double objective(Trial trial, Objective objective) {
    if (objective == null) {
      return null;
    }
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
   * @param parallel parallel coordinates of the finished and pruned trials
   * @param slices one slice plot per searched parameter
   */
  record View(
      String metric,
      LineChart history,
      List<String> pruned,
      Map<String, String> importance,
      ParallelChart parallel,
      List<SliceChart> slices) {}

  static View of(
      Experiment experiment, List<Trial> list, List<String> searched, List<String> logScaled) {
    Objective objective = experiment.objective();
    boolean maximize = objective == null || objective.goal() == Goal.MAX;
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
      return new View(metric, null, pruned, Map.of(), null, List.of());
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
    SearchImportance.of(byOrdinal, objective, searched, experiment.spec())
        .forEach((name, share) -> importance.put(name, String.format(Locale.ROOT, "%.3f", share)));
    List<ParallelChart.Point> points = new ArrayList<>();
    List<ParallelChart.Point> finished = new ArrayList<>();
    for (Trial trial : byOrdinal) {
      boolean wasPruned = trial.status() == TrialStatus.PRUNED;
      Double value = trial.status() == TrialStatus.SUCCEEDED ? objective(trial, objective) : null;
      if (!wasPruned && (value == null || !Double.isFinite(value))) {
        continue;
      }
      ParallelChart.Point point =
          new ParallelChart.Point(
              "#" + trial.ordinal(), ChartTrial.map(trial.config()), value, wasPruned);
      points.add(point);
      if (!wasPruned) {
        finished.add(point);
      }
    }
    List<String> listed = listed(experiment.spec());
    ParallelChart parallel =
        ParallelChart.of(searched, logScaled, listed, metric, maximize, points);
    List<SliceChart> slices =
        searched.stream()
            .map(
                name ->
                    SliceChart.of(name, logScaled.contains(name), listed.contains(name), finished))
            .toList();
    return new View(metric, history, pruned, importance, parallel, slices);
  }

  /** The searched parameters whose values the search file lists (category axes). */
  static List<String> listed(String spec) {
    List<String> out = new ArrayList<>();
    if (spec != null
        && ChartTrial.map(spec).get("search") instanceof Map<?, ?> search
        && search.get("parameters") instanceof Map<?, ?> parameters) {
      parameters.forEach(
          (name, domain) -> {
            if (domain instanceof List<?>) {
              out.add(String.valueOf(name));
            }
          });
    }
    return out;
  }
}
