package dev.digitlab.server.trials;

import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/**
 * A trial as the API shows it. {@code config} and {@code lastMetrics} are JSON objects; the stack
 * trace of a failure is only in the trial's own resource, not in an experiment's list of trials.
 */
public record TrialView(
    long id,
    long experimentId,
    int ordinal,
    String status,
    int attempt,
    @JsonRawValue String config,
    double progress,
    @JsonRawValue String lastMetrics,
    Double bestMetric,
    Double testAccuracy,
    Double testF1Macro,
    Double trainSeconds,
    Instant queuedAt,
    Instant startedAt,
    Instant finishedAt,
    String failureReason,
    String stackTrace,
    boolean cancelRequested) {

  /** The trial's summary, as listed with its experiment. */
  public static TrialView summary(Trial trial) {
    return of(trial, null);
  }

  /** Everything about the trial, its failure's stack trace included. */
  public static TrialView detail(Trial trial) {
    return of(trial, trial.stackTrace());
  }

  private static TrialView of(Trial trial, String stackTrace) {
    return new TrialView(
        trial.id(),
        trial.experimentId(),
        trial.ordinal(),
        trial.status().dbValue(),
        trial.attempt(),
        trial.config(),
        trial.progress(),
        trial.lastMetrics(),
        trial.bestMetric(),
        trial.testAccuracy(),
        trial.testF1Macro(),
        trial.trainSeconds(),
        trial.queuedAt(),
        trial.startedAt(),
        trial.finishedAt(),
        trial.failureReason(),
        stackTrace,
        trial.cancelRequested());
  }
}
