package dev.digitlab.protocol.search;

/** What a sampler or pruner needs to know of a trial's state. */
public enum TrialState {
  /** Finished with an objective value. */
  COMPLETE,
  /** Stopped early by a pruner; its last reported intermediate value stands in for a result. */
  PRUNED,
  /** Suggested and not finished yet (queued or running): the constant liar's subject. */
  PENDING
}
