package dev.digitlab.ml.train;

/** Thrown when a run was asked to stop; it stopped between two batches. */
public final class TrainingCancelledException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final int epochsCompleted;

  public TrainingCancelledException(int epochsCompleted) {
    super("training cancelled after " + epochsCompleted + " completed epoch(s)");
    this.epochsCompleted = epochsCompleted;
  }

  /** Epochs fully trained (and checkpointed, when checkpoints were asked for) before stopping. */
  public int epochsCompleted() {
    return epochsCompleted;
  }
}
