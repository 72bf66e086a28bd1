package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.protocol.search.Distribution;
import dev.digitlab.protocol.search.Fanova;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.web.ChartTrial;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameter importance of a search, by fANOVA as Optuna's {@code FanovaImportanceEvaluator}
 * computes it ({@link Fanova}), for the experiment page and the report alike. It reads only the
 * trials' configs, so it works for any search type and any trial kind: a parameter whose values are
 * all numbers is a range (bounded by the search file's {@code min}/{@code max} when it gives them,
 * as Optuna bounds it by the distribution, else by the values seen), anything else a categorical of
 * the values seen.
 */
final class SearchImportance {

  /** Fixed, so a page and its report show the same figures. */
  private static final long SEED = 0;

  private SearchImportance() {}

  /** Each searched parameter's share (sum 1), largest first; empty below two finished trials. */
  static Map<String, Double> of(
      List<Trial> trials, Objective objective, List<String> searched, String spec) {
    List<Map<String, Object>> configs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (Trial trial : trials) {
      Double y =
          trial.status() == TrialStatus.SUCCEEDED ? SearchPlots.objective(trial, objective) : null;
      if (y != null && Double.isFinite(y)) {
        configs.add(ChartTrial.map(trial.config()));
        ys.add(y);
      }
    }
    if (configs.size() < 2 || searched.isEmpty()) {
      return Map.of();
    }
    Map<String, Object> parameters = declared(spec);
    Map<String, Distribution> space = new LinkedHashMap<>();
    Map<String, Map<String, Integer>> choices = new HashMap<>();
    for (String name : searched) {
      boolean numeric = configs.stream().allMatch(c -> c.get(name) instanceof Number);
      if (numeric) {
        double low = Double.POSITIVE_INFINITY;
        double high = Double.NEGATIVE_INFINITY;
        for (Map<String, Object> c : configs) {
          double v = ((Number) c.get(name)).doubleValue();
          low = Math.min(low, v);
          high = Math.max(high, v);
        }
        if (parameters.get(name) instanceof Map<?, ?> range
            && range.get("min") instanceof Number min
            && range.get("max") instanceof Number max
            && min.doubleValue() <= low
            && max.doubleValue() >= high) {
          low = min.doubleValue();
          high = max.doubleValue();
        }
        space.put(name, new Distribution.FloatRange(low, high, false));
      } else {
        Map<String, Integer> index = new LinkedHashMap<>();
        configs.forEach(c -> index.putIfAbsent(String.valueOf(c.get(name)), index.size()));
        choices.put(name, index);
        space.put(name, new Distribution.Categorical(index.size()));
      }
    }
    List<Map<String, Double>> params = new ArrayList<>();
    for (Map<String, Object> c : configs) {
      Map<String, Double> p = new HashMap<>();
      for (String name : searched) {
        p.put(
            name,
            choices.containsKey(name)
                ? (double) choices.get(name).get(String.valueOf(c.get(name)))
                : ((Number) c.get(name)).doubleValue());
      }
      params.add(p);
    }
    // The forest depends only on these inputs, which change when a trial ends: pages re-read
    // between two endings get the same figures without growing 64 trees again.
    Inputs inputs = new Inputs(space, params, ys);
    synchronized (RECENT) {
      Map<String, Double> known = RECENT.get(inputs);
      if (known != null) {
        return known;
      }
    }
    double[] values = ys.stream().mapToDouble(Double::doubleValue).toArray();
    Map<String, Double> shares =
        Collections.unmodifiableMap(
            new LinkedHashMap<>(Fanova.importances(space, params, values, SEED)));
    synchronized (RECENT) {
      RECENT.put(inputs, shares);
    }
    return shares;
  }

  /** What fANOVA reads: the search space, each finished trial's parameters and objective. */
  private record Inputs(
      Map<String, Distribution> space, List<Map<String, Double>> params, List<Double> ys) {}

  /** The importances of the last few input sets (experiments), least recently used out first. */
  private static final int REMEMBERED = 32;

  private static final Map<Inputs, Map<String, Double>> RECENT =
      new LinkedHashMap<>(REMEMBERED, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Inputs, Map<String, Double>> eldest) {
          return size() > REMEMBERED;
        }
      };

  private static Map<String, Object> declared(String spec) {
    if (spec != null
        && ChartTrial.map(spec).get("search") instanceof Map<?, ?> search
        && search.get("parameters") instanceof Map<?, ?> parameters) {
      Map<String, Object> out = new HashMap<>();
      parameters.forEach((k, v) -> out.put(String.valueOf(k), v));
      return out;
    }
    return Map.of();
  }
}
