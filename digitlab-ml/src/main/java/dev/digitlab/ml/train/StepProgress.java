package dev.digitlab.ml.train;

/**
 * Progress after one optimizer step.
 *
 * @param epoch 1-based epoch number
 * @param stepInEpoch 1-based step within the epoch
 * @param globalStep 1-based step over the whole run
 * @param imagesInEpoch images trained so far in this epoch
 * @param loss this batch's training loss
 * @param epochSeconds seconds spent in this epoch's training loop so far
 */
public record StepProgress(
    int epoch,
    int stepInEpoch,
    long globalStep,
    int imagesInEpoch,
    double loss,
    double epochSeconds) {}
