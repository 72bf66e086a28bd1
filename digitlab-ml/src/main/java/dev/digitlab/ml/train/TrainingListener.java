package dev.digitlab.ml.train;

import java.nio.file.Path;

/**
 * Receives a run's progress, metrics and log lines as they happen. Called on the training thread:
 * implementations must return quickly (hand off to another thread for I/O that can block).
 */
public interface TrainingListener {

  /** A listener that ignores everything. */
  TrainingListener NONE = new TrainingListener() {};

  /** Before the first step. */
  default void onStart(TrainingPlan plan) {}

  /** After every optimizer step. */
  default void onStep(StepProgress progress) {}

  /** A sampled per-step loss worth keeping as a curve point (a few dozen per epoch). */
  default void onStepLoss(StepLoss loss) {}

  /** After each epoch, validation included. */
  default void onEpoch(EpochMetrics metrics) {}

  /** After a checkpoint file was written; {@code epochsCompleted} epochs are in it. */
  default void onCheckpoint(Path file, int epochsCompleted) {}

  /** After the test phase. */
  default void onTest(TestMetrics metrics) {}

  /** A human-readable log line. */
  default void onLog(String line) {}

  /** Something the user should act on, e.g. a run that diverged; one line, no level prefix. */
  default void onWarning(String line) {}
}
