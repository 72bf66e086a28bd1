package dev.digitlab.ml.train;

/**
 * Decides the intra-op thread count of a run's training steps, told how long each full-size step
 * took. The count never changes results (see {@link ThreadTuner}), only their speed.
 */
interface StepThreads extends AutoCloseable {

  /** Called after each full-size training step with its duration; may change the count. */
  void afterStep(long nanos);

  /** How many steps ran on one thread. */
  int singleThreadSteps();

  /** Ends the run: gives the engine back its count if this changed it. */
  @Override
  void close();
}
