package dev.digitlab.ml.train;

/**
 * The engine's intra-op thread count as something outside the trainer may choose it before the
 * engine starts: a user ({@code -Dai.djl.pytorch.num_threads}, {@code OMP_NUM_THREADS}) or a worker
 * sharing the cores between its slots. One definition for the worker that sets the count and the
 * trainer's {@link ThreadTuner}, which leaves a chosen count alone.
 */
public final class IntraOpThreads {

  /** DJL reads this when its PyTorch engine starts, once per process. */
  public static final String PROPERTY = "ai.djl.pytorch.num_threads";

  private IntraOpThreads() {}

  /** Whether the count was chosen ({@value #PROPERTY} or {@code OMP_NUM_THREADS}). */
  public static boolean chosen() {
    return System.getProperty(PROPERTY) != null || System.getenv("OMP_NUM_THREADS") != null;
  }
}
