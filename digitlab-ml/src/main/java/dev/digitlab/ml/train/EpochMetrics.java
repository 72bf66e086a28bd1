package dev.digitlab.ml.train;

/**
 * What one epoch produced. Validation fields are null when no validation split was asked for.
 *
 * @param epoch 1-based epoch number
 * @param seconds wall time of the epoch's training loop (evaluation excluded)
 * @param learningRate the rate at the epoch's last step
 */
public record EpochMetrics(
    int epoch,
    double trainLoss,
    double trainAccuracy,
    Double validationLoss,
    Double validationAccuracy,
    double seconds,
    double imagesPerSecond,
    double learningRate) {}
