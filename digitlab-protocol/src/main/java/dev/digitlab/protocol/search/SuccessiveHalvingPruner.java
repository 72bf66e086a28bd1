package dev.digitlab.protocol.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Asynchronous successive halving (ASHA; Li et al. 2018) as Optuna's {@code
 * SuccessiveHalvingPruner}, with a fixed minimum resource. Rung {@code k} is reached at step {@code
 * minResource · reductionFactor^(minEarlyStoppingRate + k)}; a trial reaching a rung records its
 * value there and goes on only if that value is in the top {@code 1/reductionFactor} of every value
 * recorded at the rung so far (the first {@code reductionFactor - 1} arrivals: only if it is the
 * best). With a {@code bootstrapCount} b (Optuna's {@code bootstrap_count}), a trial is stopped at
 * a rung where at most b values are recorded, its own included: the first b trials to reach each
 * rung stop there, and a later one is promoted against at least b others.
 *
 * <p>Optuna stores each trial's rung values as it passes them; here they are read back from the
 * reported values, which give the same: a trial's value at rung {@code k} is its value at its first
 * reported step at or past the rung's step.
 */
public record SuccessiveHalvingPruner(
    int minResource, int reductionFactor, int minEarlyStoppingRate, int bootstrapCount)
    implements Pruner {

  public SuccessiveHalvingPruner {
    if (minResource < 1 || reductionFactor < 2 || minEarlyStoppingRate < 0 || bootstrapCount < 0) {
      throw new IllegalArgumentException(
          "minResource must be ≥ 1, reductionFactor ≥ 2, minEarlyStoppingRate ≥ 0,"
              + " bootstrapCount ≥ 0");
    }
  }

  /** Without a bootstrap count (Optuna's default, 0). */
  public SuccessiveHalvingPruner(int minResource, int reductionFactor, int minEarlyStoppingRate) {
    this(minResource, reductionFactor, minEarlyStoppingRate, 0);
  }

  /** The step at which rung {@code rung} is reached. */
  public long rungStep(int rung) {
    long step = minResource;
    for (int i = 0; i < minEarlyStoppingRate + rung; i++) {
      step *= reductionFactor;
    }
    return step;
  }

  @Override
  public boolean shouldPrune(Observation trial, List<Observation> others, boolean maximize) {
    int step = trial.lastStep();
    if (step < 0) {
      return false;
    }
    double value = trial.intermediate().get(step);
    // The rungs this trial passed at its earlier reports.
    Integer previous = trial.intermediate().lowerKey(step);
    int rung = 0;
    while (previous != null && rungStep(rung) <= previous) {
      rung++;
    }
    while (true) {
      long promotionStep = rungStep(rung);
      if (step < promotionStep) {
        return false;
      }
      if (Double.isNaN(value)) {
        return true;
      }
      List<Double> competing = new ArrayList<>();
      for (Observation other : others) {
        Double atRung = valueAtRung(other, promotionStep);
        if (atRung != null) {
          competing.add(atRung);
        }
      }
      competing.add(value);
      if (competing.size() <= bootstrapCount || !promotable(value, competing, maximize)) {
        return true;
      }
      rung++;
    }
  }

  /** The value {@code trial} recorded at the rung of {@code promotionStep}, or null. */
  private static Double valueAtRung(Observation trial, long promotionStep) {
    Map.Entry<Integer, Double> first =
        trial.intermediate().ceilingEntry((int) Math.min(promotionStep, Integer.MAX_VALUE));
    return first == null ? null : first.getValue();
  }

  private boolean promotable(double value, List<Double> competing, boolean maximize) {
    int index = competing.size() / reductionFactor - 1;
    if (index == -1) {
      index = 0;
    }
    List<Double> sorted = new ArrayList<>(competing);
    Collections.sort(sorted);
    return maximize ? value >= sorted.get(sorted.size() - 1 - index) : value <= sorted.get(index);
  }
}
