package dev.digitlab.ml.train;

import ai.djl.pytorch.jni.JniUtils;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Chooses, while a dense network trains, between the engine's intra-op threads and one thread, by
 * timing steps with each.
 *
 * <p>Why: on the shared 2-vCPU VMs we measure on, the machine flips every few seconds to minutes,
 * even mid-epoch, between a state where two threads train {@code mlp} at ~80k images/s and one
 * where its memory-bound kernels (the optimizer's passes, sgemm's output scaling, MKL's sqrt) take
 * 4 times longer and two threads reach 40-50k, less than one thread alone (~50-55k). Far more, when
 * another process keeps one core busy, OpenMP's barriers wait for a descheduled thread: two threads
 * trained {@code mlp} at 14-15k images/s where the tuner's run reached 38-40k. Nothing tells the
 * state cheaply in advance, so every {@code interval} steps the tuner times {@value #PROBE_STEPS}
 * steps on the other count (the first absorbs the OpenMP team's resize and is not counted) and
 * switches when the slower of the other two was faster than the median of the last {@value
 * #RECENT_STEPS} steps by more than 5%. A probe of one thread that loses doubles the interval (up
 * to {@value #MAX_INTERVAL} steps; at once when it lost by more than 30%), so a quiet machine in
 * its fast state pays for few probes: 3 in a 2-epoch {@code mlp} run.
 *
 * <p>Results do not depend on the count: MKL runs in strict conditional-numerical-reproducibility
 * mode ({@code MKL_CBWR=AUTO,STRICT}, set by the launcher and the tests) and libtorch's
 * element-wise kernels split work without changing any element's arithmetic; {@code TrainerTest}
 * proves a run switching count every step equal to one that never switches.
 *
 * <p>libtorch's thread count is the process's, so the tuner only acts while its run is the only one
 * training in the process; a second run starting sends it back to the engine's count for good.
 */
final class ThreadTuner implements StepThreads {

  static final int PROBE_STEPS = 3;
  static final int WARM_UP_STEPS = 50;
  static final int RECENT_STEPS = 15;
  static final int BASE_INTERVAL = 100;
  static final int MAX_INTERVAL = 400;
  private static final double MARGIN = 0.95;
  private static final double FAR_BEHIND = 1.3;

  /** Runs training in this process right now: the tuner acts only while it is one. */
  private static final AtomicInteger TRAINING = new AtomicInteger();

  private final int many;
  private final IntConsumer engine;
  private final long[] recent = new long[RECENT_STEPS];
  private final long[] probe = new long[PROBE_STEPS - 1];
  private int current;
  private int recentCount;
  private int seen;
  // The first probe comes as soon as the recent steps are timed: on a machine whose other work
  // takes a core, two threads are 2-3x slower than one from the first step on.
  private int untilProbe = RECENT_STEPS;
  private int interval = BASE_INTERVAL;
  private int probing = -1;
  private boolean skipNext;
  private boolean alone = true;
  private int singleThreadSteps;

  /** Counts this run among the process's training runs until it closes. */
  private final Untuned counted = new Untuned();

  ThreadTuner(int many, IntConsumer engine) {
    this.many = many;
    this.engine = engine;
    this.current = many;
  }

  /**
   * The tuner for a run with {@code threads} intra-op threads, or a fixed count (counted as a run,
   * so that a tuner in the same process stops) where it has nothing to choose: one thread, a GPU, a
   * convolutional network (its compute-bound kernels need every core in either state), or a count
   * the user or the worker chose ({@link IntraOpThreads#chosen}: a worker with several slots shares
   * the cores that way).
   */
  static StepThreads forRun(boolean cpu, boolean convolutional, int threads) {
    if (!cpu || convolutional || threads < 2 || IntraOpThreads.chosen()) {
      return new Untuned();
    }
    return new ThreadTuner(threads, JniUtils::setNumThreads);
  }

  @Override
  public void afterStep(long nanos) {
    // The step that just ran used the count chosen before it.
    if (threads() == 1) {
      singleThreadSteps++;
    }
    if (!alone) {
      return;
    }
    if (TRAINING.get() > 1) {
      alone = false;
      probing = -1;
      current = many;
      use(many);
      return;
    }
    if (probing >= 0) {
      if (probing > 0) {
        probe[probing - 1] = nanos;
      }
      if (++probing == PROBE_STEPS) {
        probing = -1;
        decide();
      }
      return;
    }
    if (++seen <= WARM_UP_STEPS) {
      return;
    }
    if (skipNext) {
      skipNext = false;
    } else {
      recent[recentCount++ % RECENT_STEPS] = nanos;
    }
    if (--untilProbe <= 0 && recentCount >= RECENT_STEPS) {
      probing = 0;
      use(other());
    }
  }

  private void decide() {
    long probed = median(probe, probe.length);
    long usual = median(recent, Math.min(recentCount, RECENT_STEPS));
    if (probed < MARGIN * usual) {
      current = other();
      recentCount = 0;
      interval = BASE_INTERVAL;
    } else {
      use(current);
      skipNext = true;
      if (current != many) {
        interval = BASE_INTERVAL;
      } else if (probed > FAR_BEHIND * usual) {
        // One thread far behind (1.4-1.5x on a quiet machine in its fast state): that will not
        // change soon.
        interval = MAX_INTERVAL;
      } else {
        interval = Math.min(interval * 2, MAX_INTERVAL);
      }
    }
    untilProbe = interval;
  }

  /** The count for the next step: the other one while probing. */
  int threads() {
    return probing >= 0 ? other() : current;
  }

  private int other() {
    return current == many ? 1 : many;
  }

  private void use(int threads) {
    engine.accept(threads);
  }

  private static long median(long[] values, int count) {
    long[] sorted = Arrays.copyOf(values, count);
    Arrays.sort(sorted);
    return sorted[count / 2];
  }

  @Override
  public int singleThreadSteps() {
    return singleThreadSteps;
  }

  @Override
  public void close() {
    counted.close();
    if (threads() != many) {
      use(many);
    }
  }

  /**
   * A run that keeps the engine's count, counted all the same: a convolutional run beside a tuned
   * {@code mlp} in one process must not have its count changed under it.
   */
  static final class Untuned implements StepThreads {

    private boolean closed;

    Untuned() {
      TRAINING.incrementAndGet();
    }

    @Override
    public void afterStep(long nanos) {}

    @Override
    public int singleThreadSteps() {
      return 0;
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        TRAINING.decrementAndGet();
      }
    }
  }
}
