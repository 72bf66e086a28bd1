package dev.digitlab.worker.remote;

import dev.digitlab.protocol.event.ArtifactRef;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.protocol.event.TrialEvent;
import dev.digitlab.worker.run.EventSink;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A remote attempt's sink: every batch goes to the outbox, followed by the files its artifact
 * events announce (a checkpoint is copied at once, since the next epoch overwrites it). Also keeps
 * what the completion and heartbeats report: the latest value of each metric, the training speed,
 * and the last error.
 *
 * <p>For a trial whose experiment has a pruner ({@code LeaseGrant.prunable}), at an epoch's end
 * (the batch with its checkpoint) it waits, up to the client's events timeout (30 s unless the
 * worker's {@code --events-timeout} says otherwise), for the server's answer to the epoch's events:
 * a trial the pruner stops on them is cancelled before it trains another epoch, not at its next
 * heartbeat. The wait is one round trip an epoch, and none while the server cannot be reached (the
 * outbox keeps the events for later). Without a pruner nothing but a user's cancel can stop the
 * trial, which the heartbeat brings back, so the epoch's end does not wait: a slow server does not
 * slow training.
 */
final class RemoteEventSink implements EventSink {

  private final Outbox outbox;
  private final Path workDir;
  private final boolean awaitAnswers;
  private final Duration answerWait;
  private final Map<String, Double> metrics = new LinkedHashMap<>();
  private volatile double imagesPerSecond;
  private String lastError;

  /**
   * @param awaitAnswers wait for the answer to an epoch's events at its end: the trial's experiment
   *     has a pruner, whose answer may stop it
   * @param answerWait the longest an epoch's end waits for that answer
   */
  RemoteEventSink(Outbox outbox, Path workDir, boolean awaitAnswers, Duration answerWait) {
    this.outbox = outbox;
    this.workDir = workDir;
    this.awaitAnswers = awaitAnswers;
    this.answerWait = answerWait;
  }

  @Override
  public void append(List<TrialEvent> batch) throws InterruptedException {
    outbox.events(batch);
    boolean epochEnd = false;
    for (TrialEvent event : batch) {
      switch (event.payload()) {
        case MetricPoint metric -> metrics.put(metric.key(), metric.value());
        case Progress progress -> imagesPerSecond = progress.imagesPerSecond();
        case LogLine log when LogLine.ERROR.equals(log.level()) -> lastError = log.message();
        case ArtifactRef artifact when RunArtifact.OUTPUT_KIND.equals(artifact.kind()) ->
            outbox.upload(
                artifact.name(), event.seq(), RunArtifact.output(workDir, artifact.name()));
        case ArtifactRef artifact -> {
          RunArtifact.named(artifact.name())
              .ifPresent(
                  known -> outbox.upload(known.artifactName(), event.seq(), known.in(workDir)));
          epochEnd |= RunArtifact.CHECKPOINT.artifactName().equals(artifact.name());
        }
        default -> {}
      }
    }
    if (epochEnd && awaitAnswers) {
      outbox.awaitEventsDelivered(answerWait);
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
