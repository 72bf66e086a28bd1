package dev.digitlab.ml.train;

/**
 * What a run is about to do, sent to listeners before the first step.
 *
 * @param startEpoch 0 for a fresh run, k when resuming after epoch k
 */
public record TrainingPlan(
    int epochs,
    int startEpoch,
    int stepsPerEpoch,
    int trainImages,
    int validationImages,
    int testImages,
    String device,
    int threads) {

  /** Optimizer steps of the whole run, resumed part included. */
  public long totalSteps() {
    return (long) epochs * stepsPerEpoch;
  }
}
