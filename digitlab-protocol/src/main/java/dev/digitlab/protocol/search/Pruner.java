package dev.digitlab.protocol.search;

import java.util.List;

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
}
