package dev.digitlab.protocol.search;

import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One trial of a search as the sampler and pruners see it: stored trials become observations, so
 * the search's whole state is the trial table.
 *
 * @param number the trial's position in its experiment (0-based); orders trials and seeds draws
 * @param params the values it was given, internal representation, by parameter name
 * @param value the objective when {@link TrialState#COMPLETE}; NaN otherwise
 * @param intermediate the metric reported at each step (epoch), by step; may be empty
 */
public record Observation(
    int number,
    TrialState state,
    Map<String, Double> params,
    double value,
    NavigableMap<Integer, Double> intermediate) {

  public Observation {
    Objects.requireNonNull(state, "state");
    params = Map.copyOf(params);
    intermediate = new TreeMap<>(intermediate == null ? Map.of() : intermediate);
  }

  public static Observation complete(int number, Map<String, Double> params, double value) {
    return new Observation(number, TrialState.COMPLETE, params, value, null);
  }

  public static Observation pending(int number, Map<String, Double> params) {
    return new Observation(number, TrialState.PENDING, params, Double.NaN, null);
  }

  public static Observation pruned(
      int number, Map<String, Double> params, NavigableMap<Integer, Double> intermediate) {
    return new Observation(number, TrialState.PRUNED, params, Double.NaN, intermediate);
  }

  /** The last step reported, or -1 when none was. */
  public int lastStep() {
    return intermediate.isEmpty() ? -1 : intermediate.lastKey();
  }
}
