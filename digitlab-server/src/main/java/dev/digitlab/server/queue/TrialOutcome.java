package dev.digitlab.server.queue;

import java.util.Objects;

/** How an attempt ended, as its worker reports it. */
public sealed interface TrialOutcome {

  /** The status the trial ends in (unless a retryable failure is retried). */
  default TrialStatus status() {
    return switch (this) {
      case Succeeded succeeded -> TrialStatus.SUCCEEDED;
      case Failed failed -> TrialStatus.FAILED;
      case Cancelled cancelled -> TrialStatus.CANCELLED;
    };
  }

  /**
   * Trained and evaluated; {@code bestMetric} is the best value of the experiment's objective
   * metric when that is not a test metric (may be null), {@code lastMetrics} is JSON.
   */
  record Succeeded(
      Double testAccuracy,
      Double testF1Macro,
      Double bestMetric,
      double trainSeconds,
      String lastMetrics)
      implements TrialOutcome {}

  /**
   * Training threw; the reason is what a user reads first, the stack trace for developers. A {@code
   * retryable} failure (the worker's disk or network, not the config) is tried again.
   */
  record Failed(String reason, String stackTrace, Double trainSeconds, boolean retryable)
      implements TrialOutcome {
    public Failed {
      Objects.requireNonNull(reason, "reason");
    }

    /** A failure that another attempt would repeat. */
    public Failed(String reason, String stackTrace, Double trainSeconds) {
      this(reason, stackTrace, trainSeconds, false);
    }
  }

  /** Stopped because a user cancelled it. */
  record Cancelled(Double trainSeconds) implements TrialOutcome {}
}
