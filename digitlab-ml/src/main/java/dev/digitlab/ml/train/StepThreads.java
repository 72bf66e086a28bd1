package dev.digitlab.ml.train;

/**
 * Decides the intra-op thread count of a run's training steps, told how long each full-size step
 * took. The count never changes results (see {@link ThreadTuner}), only their speed.
 */
interface StepThreads extends AutoCloseable {

  /** Leaves the engine's thread count alone. */
  StepThreads FIXED =
      new StepThreads() {
        @Override
        public void afterStep(long nanos) {}

        @Override
        public int singleThreadSteps() {
          return 0;
        }

        @Override
        public void close() {}
      };

  /** Called after each full-size training step with its duration; may change the count. */
  void afterStep(long nanos);

  /** How many steps ran on one thread. */
  int singleThreadSteps();

  /** Gives the engine back the count it had before the run. */
  @Override
  void close();
}
