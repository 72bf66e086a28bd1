package dev.digitlab.protocol.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The median stopping rule as Optuna's {@code MedianPruner} (a {@code PercentilePruner} at 50,
 * interval 1, at least 1 trial at the step): stop a trial whose best value so far is worse than the
 * median of the complete trials' values at the same step — once {@code startupTrials} trials are
 * complete and from step {@code warmupSteps} on. A trial whose values are all NaN is stopped.
 */
public record MedianPruner(int startupTrials, int warmupSteps) implements Pruner {

  /** Optuna's default number of complete trials before any pruning. */
  public static final int DEFAULT_STARTUP_TRIALS = 5;

  public MedianPruner {
    if (startupTrials < 0 || warmupSteps < 0) {
      throw new IllegalArgumentException("startupTrials and warmupSteps must be ≥ 0");
    }
  }

  @Override
  public boolean shouldPrune(Observation trial, List<Observation> others, boolean maximize) {
    List<Observation> complete =
        others.stream().filter(o -> o.state() == TrialState.COMPLETE).toList();
    if (complete.isEmpty() || complete.size() < startupTrials) {
      return false;
    }
    int step = trial.lastStep();
    if (step < 0 || step < warmupSteps) {
      return false;
    }
    double best = Double.NaN;
    for (double v : trial.intermediate().values()) {
      if (!Double.isNaN(v) && (Double.isNaN(best) || (maximize ? v > best : v < best))) {
        best = v;
      }
    }
    if (Double.isNaN(best)) {
      return true;
    }
    List<Double> atStep = new ArrayList<>();
    for (Observation o : complete) {
      Double v = o.intermediate().get(step);
      if (v != null && !Double.isNaN(v)) {
        atStep.add(v);
      }
    }
    if (atStep.isEmpty()) {
      return false;
    }
    double median = median(atStep);
    return maximize ? best < median : best > median;
  }

  /** numpy's 50th percentile: the middle value, or the mean of the two middle ones. */
  static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
