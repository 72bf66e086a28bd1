package dev.digitlab.server.trials;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import java.time.Instant;

/**
 * A trial as the API shows it. {@code config} and {@code lastMetrics} are JSON objects; the stack
 * trace of a failure is only in the trial's own resource, not in an experiment's list of trials.
 * {@code kind} is {@code builtin}, {@code command} (whose config is its program's parameter values)
 * or {@code external}; {@code waitingFor}, only on a queued trial that no online worker can take,
 * says what it waits for and what to do (see {@link WaitingReasons}).
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
    boolean cancelRequested,
    String kind,
    String lifecycleStage,
    @JsonInclude(JsonInclude.Include.NON_NULL) String waitingFor) {

  /** The trial's summary, as listed with its experiment. */
  public static TrialView summary(Trial trial) {
    return of(trial, null, null);
  }

  /** The trial's summary, with why it waits (null: it does not, or only for its turn). */
  public static TrialView summary(Trial trial, String waitingFor) {
    return of(trial, null, waitingFor);
  }

  /** Everything about the trial, its failure's stack trace included. */
  public static TrialView detail(Trial trial) {
    return of(trial, trial.stackTrace(), null);
  }

  /** Everything about the trial, with why it waits. */
  public static TrialView detail(Trial trial, String waitingFor) {
    return of(trial, trial.stackTrace(), waitingFor);
  }

  private static TrialView of(Trial trial, String stackTrace, String waitingFor) {
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
        trial.cancelRequested(),
        trial.kind(),
        trial.lifecycleStage(),
        waitingFor);
  }
}
