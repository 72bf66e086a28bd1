package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.ArtifactRef;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.EventType;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.search.TrialPruning;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.EventSink;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * The embedded worker's sink: each batch goes into the event table, and the trial's progress and
 * latest metrics are updated from it. When the update finds the attempt no longer running (its
 * lease was lost or it was cancelled), the run is asked to stop.
 */
final class StoreEventSink implements EventSink {

  private static final ObjectMapper JSON = Json.mapper();

  private final long trialId;
  private final int attempt;
  private final UUID leaseToken;
  private final LongConsumer checkpointStored;
  private final EventStore events;
  private final TrialStore trials;
  private final TrialPruning pruning;
  private final CancellationToken cancellation;
  private final TrainingThroughput throughput;
  private final TrialArtifactStore artifacts;
  private final Path workDir;
  private final Map<String, Double> lastMetrics = new LinkedHashMap<>();
  private double progress;
  private String lastError;

  /**
   * @param checkpointStored called with the seq of each checkpoint artifact event once it is stored
   *     (with every event before it), to keep the checkpoint as the trial's resume point
   */
  StoreEventSink(
      Lease lease,
      EventStore events,
      TrialStore trials,
      TrialPruning pruning,
      CancellationToken cancellation,
      TrainingThroughput throughput,
      LongConsumer checkpointStored,
      TrialArtifactStore artifacts,
      Path workDir) {
    this.throughput = throughput;
    this.trialId = lease.trialId();
    this.attempt = lease.attempt();
    this.leaseToken = lease.leaseToken();
    this.checkpointStored = checkpointStored;
    this.artifacts = artifacts;
    this.workDir = workDir;
    this.events = events;
    this.trials = trials;
    this.pruning = pruning;
    this.cancellation = cancellation;
  }

  @Override
  public void append(List<TrialEvent> batch) {
    List<NewEvent> rows = new ArrayList<>(batch.size());
    Set<String> reported = new HashSet<>();
    long checkpointSeq = 0;
    for (TrialEvent event : batch) {
      rows.add(
          new NewEvent(
              event.seq(), EventType.fromDb(event.type().wireName()), json(event.payload())));
      switch (event.payload()) {
        case MetricPoint metric -> {
          lastMetrics.put(metric.key(), metric.value());
          reported.add(metric.key());
        }
        case Progress p -> {
          progress = p.fraction();
          throughput.report(trialId, p.imagesPerSecond());
        }
        case LogLine log when LogLine.ERROR.equals(log.level()) -> lastError = log.message();
        case ArtifactRef artifact -> {
          // Published before its event is stored: whoever sees the event can fetch the file.
          RunArtifact.named(artifact.name())
              .ifPresent(a -> artifacts.publish(trialId, attempt, a.in(workDir)));
          if (RunArtifact.CHECKPOINT.artifactName().equals(artifact.name())) {
            checkpointSeq = event.seq();
          }
        }
        default -> {}
      }
    }
    try {
      events.appendFenced(trialId, attempt, leaseToken, rows);
    } catch (LeaseLostException e) {
      cancellation.cancel();
      throw e;
    }
    if (checkpointSeq > 0) {
      checkpointStored.accept(checkpointSeq);
    }
    if (pruning.reported(trialId, reported)) {
      cancellation.cancel();
    }
    if (!trials.updateProgress(trialId, attempt, progress, lastMetricsJson(), null)) {
      cancellation.cancel();
    }
  }

  /** The latest value of each metric seen so far, as a JSON object. */
  String lastMetricsJson() {
    return json(lastMetrics);
  }

  Double metric(String key) {
    return lastMetrics.get(key);
  }

  /** The last ERROR log line: on failure, the runner's stack trace. */
  String lastError() {
    return lastError;
  }

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JacksonException e) {
      throw new IllegalStateException("event payloads are plain records", e);
    }
  }
}
