package dev.digitlab.ml.train;

/** A sampled training loss: the loss of one batch at a 1-based global optimizer step. */
public record StepLoss(long step, int epoch, double loss) {}
