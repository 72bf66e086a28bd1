package dev.digitlab.protocol.search;

import java.util.List;
import java.util.Map;

/** Suggests the values of the next trial of a search from the trials it has so far. */
public interface Sampler {

  /**
   * The values for trial {@code number}, internal representation, by parameter name in the order of
   * {@code space}.
   *
   * @param history every trial of the search that is complete, pruned or pending; failed and
   *     cancelled trials are left out by the caller
   * @param maximize whether larger objective values are better
   */
  Map<String, Double> suggest(
      int number, Map<String, Distribution> space, List<Observation> history, boolean maximize);
}
