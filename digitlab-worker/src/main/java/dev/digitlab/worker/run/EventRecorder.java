package dev.digitlab.worker.run;

import dev.digitlab.ml.train.EpochMetrics;
import dev.digitlab.ml.train.StepLoss;
import dev.digitlab.ml.train.StepProgress;
import dev.digitlab.ml.train.TestMetrics;
import dev.digitlab.ml.train.TrainingListener;
import dev.digitlab.ml.train.TrainingPlan;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** Turns the trainer's callbacks into metric, progress, log and checkpoint events. */
final class EventRecorder implements TrainingListener {

  private final EventBatcher events;
  private final Clock clock;
  private final long progressIntervalMillis;
  private final Map<String, Path> artifacts;
  private TrainingPlan plan;
  private long globalStep;
  private boolean progressSent;
  private long lastProgressMillis;

  EventRecorder(
      EventBatcher events, Clock clock, EventBatching batching, Map<String, Path> artifacts) {
    this.events = events;
    this.clock = clock;
    this.progressIntervalMillis = batching.minProgressInterval().toMillis();
    this.artifacts = artifacts;
  }

  @Override
  public void onStart(TrainingPlan plan) {
    this.plan = plan;
    this.globalStep = (long) plan.startEpoch() * plan.stepsPerEpoch();
    events.add(
        LogLine.info(
            String.format(
                "training on %d images (%d validation, %d test), epochs %d–%d, %d steps per"
                    + " epoch, %s, %d threads",
                plan.trainImages(),
                plan.validationImages(),
                plan.testImages(),
                plan.startEpoch() + 1,
                plan.epochs(),
                plan.stepsPerEpoch(),
                plan.device(),
                plan.threads())));
  }

  @Override
  public void onStepLoss(StepLoss loss) {
    events.add(new MetricPoint("train_loss", loss.loss(), loss.step(), loss.epoch()));
  }

  @Override
  public void onStep(StepProgress step) {
    globalStep = step.globalStep();
    long now = clock.millis();
    boolean lastOfEpoch = step.stepInEpoch() == plan.stepsPerEpoch();
    if (!lastOfEpoch && progressSent && now - lastProgressMillis < progressIntervalMillis) {
      return;
    }
    progressSent = true;
    lastProgressMillis = now;
    long steps = plan.totalSteps();
    double seconds = step.epochSeconds();
    double imagesPerSecond = seconds > 0 ? step.imagesInEpoch() / seconds : 0;
    // Seconds per step in this epoch so far, times the steps left: evaluation time not included.
    Double eta = seconds > 0 ? (steps - step.globalStep()) * seconds / step.stepInEpoch() : null;
    events.add(
        new Progress(
            step.epoch(),
            plan.epochs(),
            step.globalStep(),
            steps,
            (double) step.globalStep() / steps,
            imagesPerSecond,
            eta));
  }

  @Override
  public void onEpoch(EpochMetrics m) {
    int epoch = m.epoch();
    metric("epoch_train_loss", m.trainLoss(), epoch);
    metric("epoch_train_accuracy", m.trainAccuracy(), epoch);
    if (m.validationLoss() != null) {
      metric("val_loss", m.validationLoss(), epoch);
    }
    if (m.validationAccuracy() != null) {
      metric("val_accuracy", m.validationAccuracy(), epoch);
    }
    metric("images_per_second", m.imagesPerSecond(), epoch);
    metric("learning_rate", m.learningRate(), epoch);
    metric("epoch_seconds", m.seconds(), epoch);
  }

  @Override
  public void onCheckpoint(Path file, int epochsCompleted) {
    artifacts.put(RunArtifact.CHECKPOINT.artifactName(), file);
    // The checkpoint is the last thing of an epoch: the epoch's events leave together.
    events.addAndFlush(FileDigest.describe(RunArtifact.CHECKPOINT, file));
  }

  @Override
  public void onTest(TestMetrics test) {
    int epoch = plan.epochs();
    metric("test_loss", test.loss(), epoch);
    metric("test_accuracy", test.accuracy(), epoch);
    metric("test_f1_macro", test.report().macroF1(), epoch);
    metric("test_precision_macro", test.report().macroPrecision(), epoch);
    metric("test_recall_macro", test.report().macroRecall(), epoch);
    metric("test_f1_weighted", test.report().weightedF1(), epoch);
  }

  @Override
  public void onLog(String line) {
    events.add(LogLine.info(TrialRunner.clip(line)));
  }

  @Override
  public void onWarning(String line) {
    events.add(new LogLine(LogLine.WARN, TrialRunner.clip(line)));
  }

  /** The global step reached so far, for metrics recorded after training. */
  long globalStep() {
    return globalStep;
  }

  private void metric(String key, double value, int epoch) {
    events.add(new MetricPoint(key, value, globalStep, epoch));
  }
}
