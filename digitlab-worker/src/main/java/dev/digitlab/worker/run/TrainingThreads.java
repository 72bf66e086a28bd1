package dev.digitlab.worker.run;

import dev.digitlab.ml.train.IntraOpThreads;

/**
 * Splits the machine's cores between a process's training slots. libtorch gives every thread that
 * trains a team of one intra-op thread per core, so N slots would run N × cores threads; its OpenMP
 * barriers then wait for descheduled threads, and training on an oversubscribed machine slowed a
 * hundredfold (lenet5: ~50 images/s instead of thousands) rather than sharing the cores.
 */
public final class TrainingThreads {

  static final String PROPERTY = IntraOpThreads.PROPERTY;

  private TrainingThreads() {}

  /**
   * Before the engine starts: gives each of {@code slots} concurrent trials {@code cores / slots}
   * intra-op threads (at least one), unless the user chose a count ({@value #PROPERTY} or {@code
   * OMP_NUM_THREADS}). Returns the count chosen, or 0 when it left the default alone.
   */
  public static int shareCores(int slots) {
    return shareCores(slots, Runtime.getRuntime().availableProcessors(), IntraOpThreads.chosen());
  }

  static int shareCores(int slots, int cores, boolean chosenByUser) {
    if (slots <= 1 || chosenByUser) {
      return 0;
    }
    int threads = Math.max(1, cores / slots);
    System.setProperty(PROPERTY, Integer.toString(threads));
    return threads;
  }
}
