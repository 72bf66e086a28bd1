package dev.digitlab.ml.train;

import java.util.List;

/**
 * Everything a run produced.
 *
 * @param trainSeconds time in training loops only (no data loading or evaluation)
 * @param imagesPerSecond training images per second over {@code trainSeconds}
 * @param resumedFromEpoch 0 for a fresh run, k when resumed after epoch k
 * @param threads the engine's intra-op threads
 * @param singleThreadSteps steps that ran on one thread instead, chosen by {@link ThreadTuner}
 */
public record TrainingResult(
    TrainingConfig config,
    String device,
    int threads,
    int singleThreadSteps,
    String engine,
    List<EpochMetrics> epochs,
    List<StepLoss> stepLosses,
    TestMetrics test,
    double trainSeconds,
    double imagesPerSecond,
    int resumedFromEpoch) {

  public TrainingResult {
    epochs = List.copyOf(epochs);
    stepLosses = List.copyOf(stepLosses);
  }
}
