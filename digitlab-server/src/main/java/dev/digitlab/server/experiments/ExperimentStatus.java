package dev.digitlab.server.experiments;

import java.util.Locale;

/** An experiment's status, rolled up from its trials' statuses. */
public enum ExperimentStatus {
  /** Every trial waits in the queue: none has started yet, or all were requeued. */
  QUEUED,
  /** Some trial is running, or some have finished while others still wait. */
  RUNNING,
  /** Every trial stopped and at least one succeeded. */
  SUCCEEDED,
  /** Every trial stopped, none succeeded, at least one failed. */
  FAILED,
  /** Cancelled by a user (stays so), or every trial was cancelled. */
  CANCELLED;

  /**
   * The status an experiment now in {@code current} has with these trials. A cancelled experiment
   * stays cancelled: trials still stopping must not bring it back to life.
   */
  public static ExperimentStatus rollUp(ExperimentStatus current, TrialCounts trials) {
    if (current == CANCELLED) {
      return CANCELLED;
    }
    if (trials.running() > 0) {
      return RUNNING;
    }
    if (trials.queued() > 0) {
      return trials.queued() == trials.total() ? QUEUED : RUNNING;
    }
    if (trials.total() == 0) {
      return QUEUED;
    }
    // A pruned trial finished on purpose with a result so far: it makes a search succeed.
    if (trials.succeeded() > 0 || trials.pruned() > 0) {
      return SUCCEEDED;
    }
    return trials.failed() > 0 ? FAILED : CANCELLED;
  }

  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static ExperimentStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
