package dev.digitlab.protocol.search;

import java.util.List;
import java.util.OptionalInt;

/**
 * Decides, each time a trial reports its metric at a step (an epoch, or a command trial's {@code
 * step}), whether to stop it early. Decisions are functions of the reported values alone, so they
 * can be made from stored metric events by any server.
 */
public interface Pruner {

  /**
   * Whether to stop {@code trial} now, after its latest report ({@code trial.intermediate()}'s last
   * entry).
   *
   * @param others the other trials of the search, with their reported values; complete ones have
   *     state {@link TrialState#COMPLETE}
   * @param maximize whether larger metric values are better
   */
  boolean shouldPrune(Observation trial, List<Observation> others, boolean maximize);

  /**
   * As {@link #shouldPrune(Observation, List, boolean)}, for a trial whose last step is known (a
   * built-in trial's configured epochs): a trial that has reported that step is never stopped,
   * since it has nothing left to train and stopping it would save nothing, only lose its test
   * metrics (Ray Tune's ASHA completes such a trial too; Optuna would prune it). Its value there
   * still counts at any rung it reached, for the trials after it. With no known last step (a
   * command trial) this is the three-argument rule.
   */
  default boolean shouldPrune(
      Observation trial, List<Observation> others, boolean maximize, OptionalInt lastStep) {
    if (lastStep.isPresent() && trial.lastStep() >= lastStep.getAsInt()) {
      return false;
    }
    return shouldPrune(trial, others, maximize);
  }
}
