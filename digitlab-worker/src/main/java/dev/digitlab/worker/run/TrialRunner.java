package dev.digitlab.worker.run;

import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.train.CheckpointFile;
import dev.digitlab.ml.train.TestMetrics;
import dev.digitlab.ml.train.Trainer;
import dev.digitlab.ml.train.TrainingCancelledException;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.ml.train.TrainingOutputs;
import dev.digitlab.ml.train.TrainingResult;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.StatusChange;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Executes one attempt of a trial with digitlab-ml and reports it as numbered events: a {@code
 * running} status, metrics, sampled progress, log lines, a checkpoint artifact after every epoch,
 * the model and test reports at the end, and a final {@code succeeded}, {@code failed} or {@code
 * cancelled} status. Used by the server's embedded worker and by the remote worker alike.
 *
 * <p>Training failures are reported and returned, never thrown. What is thrown: {@link
 * InterruptedException} when the thread is interrupted (the worker is shutting down: the attempt is
 * abandoned, not cancelled, and a later attempt resumes it), {@link EventDeliveryException} when
 * the sink fails, and {@link Error}s.
 */
public final class TrialRunner {

  private static final Logger LOG = LoggerFactory.getLogger(TrialRunner.class);

  private final DatasetSource datasets;
  private final Clock clock;
  private final EventBatching batching;

  public TrialRunner(DatasetSource datasets, Clock clock, EventBatching batching) {
    this.datasets = datasets;
    this.clock = clock;
    this.batching = batching;
  }

  /** A runner on the system clock with the default batching. */
  public TrialRunner(DatasetSource datasets) {
    this(datasets, Clock.systemUTC(), EventBatching.DEFAULTS);
  }

  /**
   * Runs {@code run} to its end, sending its events to {@code sink}.
   *
   * @param cancellation polled before every batch; once set, the attempt ends {@code cancelled}
   *     within one batch's time
   */
  public RunOutcome run(TrialRun run, EventSink sink, CancellationToken cancellation)
      throws InterruptedException {
    EventBatcher events = new EventBatcher(sink, run.firstSeq(), clock, batching);
    Map<String, Path> artifacts = new LinkedHashMap<>();
    try {
      events.addAndFlush(new StatusChange(StatusChange.RUNNING, startReason(run)));
      Files.createDirectories(run.workDir());
      LoadedDataset dataset =
          run.datasetDir() != null
              ? RegisteredDataset.read(run.datasetDir())
              : datasets.load(run.config().dataset());
      TrainingData data = TrainingData.from(dataset, run.config());
      if (cancellation.isCancelled()) {
        return end(
            run, events, RunStatus.CANCELLED, "cancelled before training started", null, artifacts);
      }
      EventRecorder recorder = new EventRecorder(events, clock, batching, artifacts);
      BooleanSupplier stop =
          () -> cancellation.isCancelled() || Thread.currentThread().isInterrupted();
      Path model = RunArtifact.MODEL.in(run.workDir());
      TrainingResult result =
          Trainer.train(
              run.config(),
              data,
              recorder,
              stop,
              new TrainingOutputs(
                  RunArtifact.CHECKPOINT.in(run.workDir()), run.resumeCheckpoint(), model));
      events.add(
          new MetricPoint(
              "train_seconds",
              result.trainSeconds(),
              recorder.globalStep(),
              run.config().epochs()));
      artifact(events, artifacts, RunArtifact.MODEL, model);
      report(
          run,
          result,
          RunArtifact.CONFUSION_MATRIX,
          TestReports::writeConfusionMatrix,
          events,
          artifacts);
      report(run, result, RunArtifact.PER_CLASS, TestReports::writePerClass, events, artifacts);
      report(
          run,
          result,
          RunArtifact.MISCLASSIFIED,
          TestReports::writeMisclassified,
          events,
          artifacts);
      return end(run, events, RunStatus.SUCCEEDED, "", result, artifacts);
    } catch (EventBatcher.DeliveryInterrupted e) {
      throw abandoned(run, events);
    } catch (EventDeliveryException e) {
      throw e;
    } catch (TrainingCancelledException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw abandoned(run, events);
      }
      return end(run, events, RunStatus.CANCELLED, e.getMessage(), null, artifacts);
    } catch (IOException | RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        throw abandoned(run, events);
      }
      return failed(run, events, e, artifacts);
    }
  }

  private static String startReason(TrialRun run) {
    String attempt = "attempt " + run.attempt();
    if (run.resumeCheckpoint() == null) {
      return attempt;
    }
    int epochs = CheckpointFile.readHeader(run.resumeCheckpoint()).epochsCompleted();
    return attempt + ", resumed from epoch " + epochs;
  }

  private static void report(
      TrialRun run,
      TrainingResult result,
      RunArtifact artifact,
      BiConsumer<TestMetrics, Path> writer,
      EventBatcher events,
      Map<String, Path> artifacts) {
    Path file = artifact.in(run.workDir());
    writer.accept(result.test(), file);
    artifact(events, artifacts, artifact, file);
  }

  private static void artifact(
      EventBatcher events, Map<String, Path> artifacts, RunArtifact artifact, Path file) {
    artifacts.put(artifact.artifactName(), file);
    events.add(FileDigest.describe(artifact, file));
  }

  private static RunOutcome failed(
      TrialRun run, EventBatcher events, Exception e, Map<String, Path> artifacts) {
    String reason = e.getMessage() == null ? e.getClass().getName() : e.getMessage();
    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    events.add(LogLine.error(clip(trace.toString())));
    LOG.warn("trial {} attempt {} failed: {}", run.trialId(), run.attempt(), reason, e);
    return end(run, events, RunStatus.FAILED, reason, null, artifacts);
  }

  private static RunOutcome end(
      TrialRun run,
      EventBatcher events,
      RunStatus status,
      String reason,
      TrainingResult result,
      Map<String, Path> artifacts) {
    return AttemptEnd.report(
        run.trialId(), run.attempt(), run.firstSeq(), events, status, reason, result, artifacts);
  }

  private static InterruptedException abandoned(TrialRun run, EventBatcher events) {
    return AttemptEnd.abandoned(run.trialId(), run.attempt(), events);
  }

  static String clip(String text) {
    return AttemptEnd.clip(text);
  }
}
