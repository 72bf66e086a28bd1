package dev.digitlab.worker.remote;

import dev.digitlab.protocol.event.ArtifactRef;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.worker.run.EventSink;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A remote attempt's sink: every batch goes to the outbox, followed by the files its artifact
 * events announce (a checkpoint is copied at once, since the next epoch overwrites it). Also keeps
 * what the completion and heartbeats report: the latest value of each metric, the training speed,
 * and the last error.
 */
final class RemoteEventSink implements EventSink {

  private final Outbox outbox;
  private final Path workDir;
  private final Map<String, Double> metrics = new LinkedHashMap<>();
  private volatile double imagesPerSecond;
  private String lastError;

  RemoteEventSink(Outbox outbox, Path workDir) {
    this.outbox = outbox;
    this.workDir = workDir;
  }

  @Override
  public void append(List<TrialEvent> batch) {
    outbox.events(batch);
    for (TrialEvent event : batch) {
      switch (event.payload()) {
        case MetricPoint metric -> metrics.put(metric.key(), metric.value());
        case Progress progress -> imagesPerSecond = progress.imagesPerSecond();
        case LogLine log when LogLine.ERROR.equals(log.level()) -> lastError = log.message();
        case ArtifactRef artifact when RunArtifact.OUTPUT_KIND.equals(artifact.kind()) ->
            outbox.upload(
                artifact.name(), event.seq(), RunArtifact.output(workDir, artifact.name()));
        case ArtifactRef artifact ->
            RunArtifact.named(artifact.name())
                .ifPresent(
                    known -> outbox.upload(known.artifactName(), event.seq(), known.in(workDir)));
        default -> {}
      }
    }
  }

  Map<String, Double> metrics() {
    return Map.copyOf(metrics);
  }

  double imagesPerSecond() {
    return imagesPerSecond;
  }

  String lastError() {
    return lastError;
  }

  void stopped() {
    imagesPerSecond = 0;
  }
}
