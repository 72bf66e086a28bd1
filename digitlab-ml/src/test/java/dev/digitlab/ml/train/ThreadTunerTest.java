package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tuner's choices, fed step times as the machine's fast and slow states give them. */
class ThreadTunerTest {

  private static final long TWO_FAST = 1_500_000;
  private static final long TWO_SLOW = 2_600_000;
  private static final long ONE = 2_200_000;

  private final List<Integer> engine = new ArrayList<>();

  /** Runs {@code steps} steps, each as long as {@code one} or {@code two} nanoseconds. */
  private static void steps(ThreadTuner tuner, int steps, long one, long two) {
    for (int i = 0; i < steps; i++) {
      tuner.afterStep(tuner.threads() == 1 ? one : two);
    }
  }

  /** A tuner that two threads' slow steps have moved to one thread. */
  private ThreadTuner onOneThread() {
    ThreadTuner tuner = new ThreadTuner(2, engine::add);
    try {
      steps(tuner, 200, ONE, TWO_SLOW);
      assertThat(tuner.threads()).isEqualTo(1);
      return tuner;
    } catch (AssertionError e) {
      // Closed, or every later test in this JVM would see a second training run.
      tuner.close();
      throw e;
    }
  }

  @Test
  void two_threads_slower_than_one_move_training_to_one_thread() {
    try (ThreadTuner tuner = new ThreadTuner(2, engine::add)) {
      steps(tuner, 200, ONE, TWO_SLOW);

      assertThat(tuner.threads()).isEqualTo(1);
      // Switched at the first probe; a probe of two threads since lost and went back to one.
      assertThat(engine).startsWith(1).endsWith(1);
      assertThat(tuner.singleThreadSteps()).isGreaterThan(100);
    }
    assertThat(engine).last().isEqualTo(2);
  }

  @Test
  void two_faster_threads_are_kept_and_probed_less_and_less() {
    try (ThreadTuner tuner = new ThreadTuner(2, engine::add)) {
      steps(tuner, 2_000, ONE, TWO_FAST);

      assertThat(tuner.threads()).isEqualTo(2);
      // Each probe: one thread, then back to two. One thread lost by ~1.5x: every 400 steps.
      assertThat(engine).hasSizeLessThanOrEqualTo(2 * 5).containsOnly(1, 2);
      assertThat(tuner.singleThreadSteps()).isLessThanOrEqualTo(5 * ThreadTuner.PROBE_STEPS);
    }
  }

  @Test
  void a_probe_that_loses_narrowly_comes_back_sooner_than_one_far_behind() {
    try (ThreadTuner tuner = new ThreadTuner(2, engine::add)) {
      steps(tuner, 2_000, 1_150_000, 1_000_000);

      // The first probe after the 65th step, then after 200, 400, 400… steps: 6 probes, against 5
      // (every 400 steps) when one thread is far behind.
      assertThat(engine).hasSize(2 * 6);
    }
  }

  @Test
  void the_first_steps_of_a_cold_run_decide_nothing() {
    try (ThreadTuner tuner = new ThreadTuner(2, engine::add)) {
      steps(tuner, ThreadTuner.WARM_UP_STEPS + ThreadTuner.RECENT_STEPS - 1, ONE, TWO_SLOW);

      assertThat(engine).isEmpty();
    }
  }

  @Test
  void when_two_threads_are_faster_again_training_returns_to_two_threads() {
    try (ThreadTuner tuner = onOneThread()) {

      steps(tuner, 2 * ThreadTuner.BASE_INTERVAL, ONE, TWO_FAST);

      assertThat(tuner.threads()).isEqualTo(2);
    }
  }

  @Test
  void a_probe_within_the_noise_changes_nothing() {
    try (ThreadTuner tuner = new ThreadTuner(2, engine::add)) {
      steps(tuner, 1_000, 1_000_000, 1_020_000);

      assertThat(tuner.threads()).isEqualTo(2);
    }
  }

  @Test
  void a_second_run_in_the_process_sends_the_first_back_to_the_engines_count_for_good() {
    try (ThreadTuner first = onOneThread()) {

      try (ThreadTuner second = new ThreadTuner(2, engine::add)) {
        steps(first, 1, ONE, TWO_SLOW);
        assertThat(first.threads()).isEqualTo(2);
        assertThat(engine).last().isEqualTo(2);

        steps(first, 1_000, ONE, TWO_SLOW);
        steps(second, 1_000, ONE, TWO_SLOW);
        assertThat(first.threads()).isEqualTo(2);
        assertThat(second.threads()).isEqualTo(2);
      }
    }
  }

  @Test
  void a_convolutional_run_starting_beside_a_tuned_one_stops_it() {
    try (ThreadTuner tuner = onOneThread()) {

      try (StepThreads convolutional = ThreadTuner.forRun(true, true, 2)) {
        steps(tuner, 1, ONE, TWO_SLOW);

        assertThat(convolutional).isInstanceOf(ThreadTuner.Untuned.class);
        assertThat(tuner.threads()).isEqualTo(2);
      }
    }
  }

  @Test
  void a_count_chosen_for_the_run_or_a_convolutional_network_gets_no_tuner() {
    assertUntuned(ThreadTuner.forRun(true, true, 2));
    assertUntuned(ThreadTuner.forRun(false, false, 2));
    assertUntuned(ThreadTuner.forRun(true, false, 1));
    String property = IntraOpThreads.PROPERTY;
    String before = System.getProperty(property);
    System.setProperty(property, "2");
    try {
      assertUntuned(ThreadTuner.forRun(true, false, 2));
    } finally {
      if (before == null) {
        System.clearProperty(property);
      } else {
        System.setProperty(property, before);
      }
    }
  }

  private static void assertUntuned(StepThreads threads) {
    try (threads) {
      assertThat(threads).isInstanceOf(ThreadTuner.Untuned.class);
    }
  }
}
