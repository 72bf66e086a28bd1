package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.worker.CommandTask;
import dev.digitlab.protocol.worker.Completion;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.events.EventBatchReader;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.queue.Heartbeat;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.search.TrialPruning;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialExperiment;
import dev.digitlab.server.trials.TrialStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The one path from what a worker reports about an attempt to what the server stores: a lease
 * becomes a {@link LeaseGrant}; a batch of events is stored with the trial's progress and latest
 * metrics in one transaction fenced by the lease; a {@link Completion} becomes the {@link
 * TrialOutcome} the queue ends the attempt with. The remote protocol ({@code WorkerController}) and
 * the embedded worker are adapters over it, so both store the same facts, and the experiment's
 * pruner decides on the trial after each stored metric batch from either.
 */
@Component
class AttemptReports {

  private static final ObjectMapper JSON = Json.mapper();

  private final TrialQueue queue;
  private final QueueSignal queueSignal;
  private final EventStore events;
  private final TrialStore trials;
  private final TrialPruning pruning;
  private final CommandTasks commands;
  private final DatasetTasks datasetTasks;
  private final TransactionTemplate transaction;

  AttemptReports(
      TrialQueue queue,
      QueueSignal queueSignal,
      EventStore events,
      TrialStore trials,
      TrialPruning pruning,
      CommandTasks commands,
      DatasetTasks datasetTasks,
      PlatformTransactionManager transactions) {
    this.commands = commands;
    this.datasetTasks = datasetTasks;
    this.queue = queue;
    this.queueSignal = queueSignal;
    this.events = events;
    this.trials = trials;
    this.pruning = pruning;
    this.transaction = new TransactionTemplate(transactions);
  }

  /**
   * Waits up to {@code wait} for a trial this worker can run, and grants it. Trials queued in this
   * process wake the wait at once; those queued by another server (or whose retry backoff ends) are
   * found by a claim every {@code recheck}. {@code inServer}: the worker runs inside this server,
   * and may take trials whose data only the server has.
   */
  Optional<LeaseGrant> claim(
      String worker,
      Set<String> capabilities,
      Duration leaseDuration,
      Duration wait,
      Duration recheck,
      boolean inServer)
      throws InterruptedException {
    return claim(worker, capabilities, leaseDuration, wait, recheck, inServer, null);
  }

  /**
   * As {@link #claim(String, Set, Duration, Duration, Duration, boolean)}, for a worker that
   * reached this server at {@code reachedAt} (a base URL): a command trial's program is told to log
   * there.
   */
  Optional<LeaseGrant> claim(
      String worker,
      Set<String> capabilities,
      Duration leaseDuration,
      Duration wait,
      Duration recheck,
      boolean inServer,
      String reachedAt)
      throws InterruptedException {
    long deadline = System.nanoTime() + wait.toNanos();
    while (true) {
      long seen = queueSignal.generation();
      Optional<Lease> lease = queue.claim(worker, capabilities, leaseDuration, inServer);
      if (lease.isPresent()) {
        return Optional.of(grant(lease.get(), leaseDuration, reachedAt));
      }
      long remaining = deadline - System.nanoTime();
      if (remaining <= 0) {
        return Optional.empty();
      }
      queueSignal.awaitAfter(seen, min(recheck, Duration.ofNanos(remaining)));
    }
  }

  /**
   * Extends the lease; the answer says whether a user asked to stop the trial.
   *
   * @throws LeaseLostException if the token no longer holds the trial
   */
  Heartbeat heartbeat(long trialId, UUID leaseToken, Duration leaseDuration) {
    return queue.heartbeat(trialId, leaseToken, leaseDuration);
  }

  /** Whether a user asked to stop this trial, between heartbeats. */
  boolean cancelRequested(long trialId) {
    return trials.cancelRequested(trialId);
  }

  /**
   * The lease the token holds, for an upload or a checkpoint download.
   *
   * @throws LeaseLostException if the token no longer holds the trial
   */
  Lease holder(long trialId, UUID leaseToken) {
    return queue.holder(trialId, leaseToken);
  }

  /** What the worker holding {@code lease} is told: the trial, its config and where to resume. */
  private LeaseGrant grant(Lease lease, Duration leaseDuration, String reachedAt) {
    Trial trial = trials.get(lease.trialId());
    CommandTask command =
        trial.command() ? commands.task(lease, trial.experimentId(), reachedAt) : null;
    return new LeaseGrant(
        lease.trialId(),
        trial.experimentId(),
        lease.attempt(),
        lease.leaseToken(),
        leaseDuration.toMillis(),
        lease.config(),
        objectiveMetric(lease.trialId()),
        lease.firstSeq(),
        lease.resumeFrom() == null ? null : lease.resumeFrom().epoch(),
        command,
        trial.command() ? null : datasetTasks.task(trial.experimentId()),
        pruning.prunes(trial.experimentId()));
  }

  /**
   * Stores a batch of the leased attempt's events and, from its metrics and progress, the trial's
   * progress and latest metrics, all in one transaction while the lease holds. Events already
   * stored are skipped. Once new metrics are committed, the experiment's pruner (if any) decides
   * whether the trial goes on, and the answer carries the decision: a worker that stops the attempt
   * on it trains no further epoch after the one that got the trial pruned (the trial is also asked
   * to stop as for a cancel, which a worker that ignores the answer learns from its next
   * heartbeat). A batch with metrics is also answered "stop" when a user already asked to stop the
   * trial.
   *
   * @throws LeaseLostException if the lease no longer holds the attempt: nothing is stored
   */
  StoredBatch events(long trialId, EventBatchReader.Batch batch) {
    Map<String, Double> metrics = new LinkedHashMap<>();
    Double progress = null;
    for (EventPayload payload : batch.payloads()) {
      switch (payload) {
        case MetricPoint metric -> metrics.put(metric.key(), metric.value());
        case Progress p -> progress = p.fraction();
        default -> {}
      }
    }
    Double latestProgress = progress;
    Written written =
        transaction.execute(
            status -> {
              // The stop flag comes with the fence's row lock: no query of its own per batch.
              boolean stopAsked = queue.fence(trialId, batch.attempt(), batch.leaseToken());
              int appended = events.append(trialId, batch.attempt(), batch.events());
              TrialPruning.ReportingTrial reporting = null;
              if (appended > 0 && (latestProgress != null || !metrics.isEmpty())) {
                Trial trial = trials.get(trialId);
                // What the pruner needs of the trial, read here under the fence: none of its own.
                reporting =
                    TrialPruning.ReportingTrial.of(
                        trialId, trial.experimentId(), trial.kind(), trial.config());
                queue.recordProgress(
                    trialId,
                    batch.attempt(),
                    latestProgress == null ? trial.progress() : latestProgress,
                    mergedMetrics(trial.lastMetrics(), metrics),
                    null);
              }
              return new Written(appended, stopAsked, reporting);
            });
    int stored = written.appended();
    if (metrics.isEmpty()) {
      return new StoredBatch(stored, false);
    }
    // Only an experiment with a pruner (known per experiment, kept since the lease's grant) has a
    // decision to ask for; without one the batch costs nothing after its transaction.
    boolean pruned =
        stored > 0
            && pruning.prunes(written.reporting().experimentId())
            && pruning.reported(written.reporting(), metrics.keySet());
    // A resent batch (all duplicates), a prune decided on an earlier batch or a user's cancel: the
    // flag read under the fence says.
    return new StoredBatch(stored, pruned || written.stopAsked());
  }

  /**
   * What the batch's transaction did, the trial's stop flag as it read it, and the trial as the
   * pruner needs it (null unless the batch stored metrics or progress).
   */
  private record Written(int appended, boolean stopAsked, TrialPruning.ReportingTrial reporting) {}

  /**
   * What a stored batch of events got: how many were new, and whether the attempt should stop now
   * (its trial was just pruned, or a stop was already asked for).
   */
  record StoredBatch(int stored, boolean stop) {}

  /**
   * Ends the attempt as the worker reports it, and wakes the workers waiting for work.
   *
   * @throws LeaseLostException if the lease no longer holds: the completion is ignored
   * @throws InvalidParameterException for a status other than succeeded, failed or cancelled
   */
  void complete(long trialId, Completion completion) {
    queue.complete(trialId, completion.leaseToken(), outcome(trialId, completion));
    // a retryable failure went back to the queue, and an ended trial frees an experiment's slot
    queueSignal.trialsQueued();
  }

  private TrialOutcome outcome(long trialId, Completion completion) {
    Map<String, Double> metrics = completion.metrics();
    return switch (completion.status()) {
      case Completion.SUCCEEDED -> {
        Trial trial = trials.get(trialId);
        String merged = mergedMetrics(trial.lastMetrics(), metrics);
        if (trial.command()) {
          // A program reports what it measures, under its own names: no accuracy is made up for
          // it, and its objective may have come in stdout lines or through the MLflow API.
          String objective = objectiveMetric(trialId);
          Double best = metrics.get(objective);
          if (best == null) {
            best = metricIn(merged, objective);
          }
          if (best == null) {
            best = trials.loggedMetric(trialId, objective).orElse(null);
          }
          yield new TrialOutcome.Succeeded(
              metrics.get("test_accuracy"),
              metrics.get("test_f1_macro"),
              best,
              completion.trainSeconds() == null ? 0 : completion.trainSeconds(),
              merged);
        }
        yield new TrialOutcome.Succeeded(
            metrics.getOrDefault("test_accuracy", 0.0),
            metrics.getOrDefault("test_f1_macro", 0.0),
            metrics.get(objectiveMetric(trialId)),
            completion.trainSeconds() == null ? 0 : completion.trainSeconds(),
            merged);
      }
      case Completion.FAILED ->
          new TrialOutcome.Failed(
              completion.failure() == null || completion.failure().isBlank()
                  ? "training failed"
                  : clip(completion.failure()),
              completion.stackTrace(),
              completion.trainSeconds(),
              completion.retryable());
      case Completion.CANCELLED -> new TrialOutcome.Cancelled(completion.trainSeconds());
      default ->
          throw new InvalidParameterException(
              "status",
              "must be succeeded, failed or cancelled, got '" + completion.status() + "'");
    };
  }

  private String objectiveMetric(long trialId) {
    return trials.experimentOf(trialId).map(TrialExperiment::objectiveMetric).orElse("");
  }

  private static Double metricIn(String metricsJson, String key) {
    try {
      JsonNode value = JSON.readTree(metricsJson).get(key);
      return value != null && value.isNumber() ? value.asDouble() : null;
    } catch (JacksonException e) {
      return null;
    }
  }

  private static String mergedMetrics(String stored, Map<String, Double> latest) {
    Map<String, Object> merged = new LinkedHashMap<>();
    if (stored != null && !stored.isBlank()) {
      try {
        JsonNode node = JSON.readTree(stored);
        node.properties().forEach(entry -> merged.put(entry.getKey(), entry.getValue()));
      } catch (JacksonException e) {
        // a damaged summary is replaced by the latest values rather than failing the batch
      }
    }
    merged.putAll(latest);
    try {
      return JSON.writeValueAsString(merged);
    } catch (JacksonException e) {
      throw new IllegalStateException("metrics are numbers", e);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  private static String clip(String text) {
    return text.length() <= 2000 ? text : text.substring(0, 1990) + " … (cut)";
  }
}
