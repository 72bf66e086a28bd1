package dev.digitlab.server.experiments;

/**
 * What keeps a search that suggests its trials while it runs (TPE) going: called by {@link
 * ExperimentStore#rollUp} in the transaction that changed one of the experiment's trials, with the
 * experiment row locked, before the status is rolled up, so a search never looks finished while it
 * has trials left to suggest.
 */
public interface SearchContinuation {

  /** Queues the experiment's next suggested trials, if it has any to suggest now. */
  void continueSearch(long experimentId);

  /** For experiments that expand all their trials at submission. */
  SearchContinuation NONE = experimentId -> {};
}
