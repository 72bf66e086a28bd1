package dev.digitlab.server.trials;

import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.web.ChartTrial;
import java.time.Instant;

/**
 * A stored trial. {@code attempt} is the number of its latest attempt (0 before it first ran); the
 * lease token is not here: only the worker holding the lease knows it. {@code leaseOwner} is the
 * worker holding the lease now (null once the attempt ended); {@code workerName} the worker that
 * ran the latest attempt, kept after it ended. {@code kind} is {@code builtin} (a worker trains its
 * config), {@code command} (a worker runs its experiment's program; its config is the program's
 * parameter values) or {@code external} (an MLflow run logged from outside).
 */
public record Trial(
    long id,
    long experimentId,
    int ordinal,
    String config,
    TrialStatus status,
    int attempt,
    int priority,
    String requires,
    String leaseOwner,
    String workerName,
    Instant leaseExpiresAt,
    double progress,
    String lastMetrics,
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
    // MLflow's lifecycle stage: 'active', or 'deleted' once a user deleted it (it can be restored)
    String lifecycleStage) {

  /** Whether a user deleted it (MLflow's soft delete): pages leave it out; it can be restored. */
  public boolean deleted() {
    return "deleted".equals(lifecycleStage);
  }

  /** Whether this trial runs its experiment's program, its config being parameter values. */
  public boolean command() {
    return "command".equals(kind);
  }

  /** What the charts of the experiment and compare pages know about this trial. */
  public ChartTrial chart(String label) {
    return new ChartTrial(
        id,
        experimentId,
        label,
        status.dbValue(),
        ChartTrial.map(config),
        ChartTrial.map(lastMetrics),
        ChartTrial.iso(startedAt),
        ChartTrial.iso(finishedAt),
        workerName,
        ordinal,
        kind);
  }
}
