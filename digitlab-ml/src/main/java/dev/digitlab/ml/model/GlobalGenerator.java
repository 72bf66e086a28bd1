package dev.digitlab.ml.model;

import java.util.concurrent.locks.ReentrantLock;

/**
 * libtorch's random generator is one per process: two trials training at once in one JVM (a worker
 * with two slots) would interleave their draws. Every use of it therefore goes through {@link
 * #use}, which holds one process-wide lock and counts the uses, so that a trial can tell whether
 * anyone drew since its own last draw (and then replay its stream, see {@code RandomStream}).
 */
public final class GlobalGenerator {

  /** Draws from the generator, told how many uses there were before this one. */
  @FunctionalInterface
  public interface Draws<T> {
    T draw(long usesBefore);
  }

  private static final ReentrantLock LOCK = new ReentrantLock();

  private static long uses; // guarded by LOCK

  private GlobalGenerator() {}

  /** Runs {@code draws} alone on the generator and counts it as one use. */
  public static <T> T use(Draws<T> draws) {
    LOCK.lock();
    try {
      long before = uses;
      uses = before + 1;
      return draws.draw(before);
    } finally {
      LOCK.unlock();
    }
  }

  /** Runs {@code draws} alone on the generator, e.g. a block's initialisation. */
  public static void run(Runnable draws) {
    use(
        ignored -> {
          draws.run();
          return null;
        });
  }
}
