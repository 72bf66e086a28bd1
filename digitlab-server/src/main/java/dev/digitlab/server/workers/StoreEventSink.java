package dev.digitlab.server.workers;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.ArtifactRef;
import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.protocol.worker.LeaseGrant;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.events.EventBatchReader;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.worker.run.CancellationToken;
import dev.digitlab.worker.run.EventSink;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/**
 * The embedded worker's sink: each batch is stored through {@link AttemptReports} (events, progress
 * and latest metrics in one transaction, fenced by the lease), as a remote worker's batches are.
 * When the lease is lost, or the answer to a batch says the trial was pruned (or cancelled), the
 * run is asked to stop. Artifact files are published before their events are stored, and a stored
 * checkpoint becomes the trial's resume point. Periodic batches arrive on a delivery thread (one at
 * a time), hence the volatile fields read by the worker.
 */
final class StoreEventSink implements EventSink {

  private static final ObjectMapper JSON = Json.mapper();

  private final LeaseGrant lease;
  private final AttemptReports attempts;
  private final CancellationToken cancellation;
  private final TrainingThroughput throughput;
  private final LongConsumer checkpointStored;
  private final TrialArtifactStore artifacts;
  private final Path workDir;
  private final Map<String, Double> lastMetrics = new LinkedHashMap<>();
  private volatile String lastError;

  /**
   * @param checkpointStored called with the seq of each checkpoint artifact event once it is stored
   *     (with every event before it), to keep the checkpoint as the trial's resume point
   */
  StoreEventSink(
      LeaseGrant lease,
      AttemptReports attempts,
      CancellationToken cancellation,
      TrainingThroughput throughput,
      LongConsumer checkpointStored,
      TrialArtifactStore artifacts,
      Path workDir) {
    this.lease = lease;
    this.attempts = attempts;
    this.cancellation = cancellation;
    this.throughput = throughput;
    this.checkpointStored = checkpointStored;
    this.artifacts = artifacts;
    this.workDir = workDir;
  }

  /** Each batch is a database transaction: the training thread should not wait for it. */
  @Override
  public boolean prefersBackground() {
    return true;
  }

  @Override
  public void append(List<TrialEvent> batch) {
    long trialId = lease.trialId();
    List<NewEvent> rows = new ArrayList<>(batch.size());
    List<EventPayload> payloads = new ArrayList<>(batch.size());
    long checkpointSeq = 0;
    for (TrialEvent event : batch) {
      rows.add(new NewEvent(event.seq(), event.type(), json(event.payload())));
      payloads.add(event.payload());
      switch (event.payload()) {
        case MetricPoint metric -> lastMetrics.put(metric.key(), metric.value());
        case Progress p -> throughput.report(trialId, p.imagesPerSecond());
        case LogLine log when LogLine.ERROR.equals(log.level()) -> lastError = log.message();
        case ArtifactRef artifact when RunArtifact.OUTPUT_KIND.equals(artifact.kind()) ->
            artifacts.publish(
                trialId,
                "attempt-"
                    + lease.attempt()
                    + "/"
                    + RunArtifact.OUTPUTS_FOLDER
                    + "/"
                    + artifact.name(),
                RunArtifact.output(workDir, artifact.name()));
        case ArtifactRef artifact -> {
          // Published before its event is stored: whoever sees the event can fetch the file.
          RunArtifact.named(artifact.name())
              .ifPresent(a -> artifacts.publish(trialId, lease.attempt(), a.in(workDir)));
          if (RunArtifact.CHECKPOINT.artifactName().equals(artifact.name())) {
            checkpointSeq = event.seq();
          }
        }
        default -> {}
      }
    }
    try {
      AttemptReports.StoredBatch stored =
          attempts.events(
              trialId,
              new EventBatchReader.Batch(lease.leaseToken(), lease.attempt(), rows, payloads));
      if (stored.stop()) {
        // The pruner's decision on this batch's metrics: an epoch's end waits for its batch, so
        // the run stops before training the next epoch rather than at the next cancel check.
        cancellation.cancel();
      }
    } catch (LeaseLostException e) {
      cancellation.cancel();
      throw e;
    }
    if (checkpointSeq > 0) {
      checkpointStored.accept(checkpointSeq);
    }
  }

  /** The latest value of each metric seen so far, for the completion. */
  Map<String, Double> metrics() {
    return lastMetrics;
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
