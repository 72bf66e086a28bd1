package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.ml.train.IntraOpThreads;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code digitlab worker} refuses bad settings before it registers anywhere. */
class WorkerCommandTest extends CliTest {

  @TempDir Path home;

  /** {@code digitlab worker} against a port nothing listens on: it must stop before registering. */
  private int workerWithEventsTimeout(String value) {
    return run(
        "worker",
        "--server",
        "http://127.0.0.1:1",
        "--home",
        home.toString(),
        "--events-timeout",
        value);
  }

  @Test
  void an_events_timeout_below_one_second_is_refused_naming_the_option() {
    for (String bad : new String[] {"0", "-5"}) {
      int status = workerWithEventsTimeout(bad);

      assertThat(status).isEqualTo(2);
      assertThat(err.toString())
          .contains("--events-timeout must be at least 1 (seconds), got " + bad);
      assertThat(out.toString()).doesNotContain("taking trials");
    }
  }

  @Test
  void an_events_timeout_that_is_not_a_number_is_refused_naming_the_option() {
    int status = workerWithEventsTimeout("10s");

    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).contains("--events-timeout").contains("10s");
    assertThat(out.toString()).doesNotContain("taking trials");
  }

  @Test
  void a_refused_worker_with_several_slots_leaves_the_thread_count_unset() {
    String threads = IntraOpThreads.PROPERTY; // which TrainingThreads sets
    assumeTrue(
        !IntraOpThreads.chosen(),
        "runs without -D" + threads + " and OMP_NUM_THREADS, which make the worker leave it alone");
    try {
      int status =
          run(
              "worker",
              "--server",
              "http://127.0.0.1:1",
              "--home",
              home.toString(),
              "--slots",
              "2",
              "--capabilities",
              "tpu");

      assertThat(status).isEqualTo(2);
      assertThat(err.toString()).contains("--capabilities are cpu and/or gpu");
      // JVM-wide: later test classes in this fork would train with it (and ThreadTuner stand down).
      assertThat(System.getProperty(threads)).isNull();
    } finally {
      System.clearProperty(threads);
    }
  }

  @Test
  void the_events_timeout_is_listed_with_its_default_in_the_help() {
    assertThat(run("worker", "--help")).isZero();

    assertThat(out.toString()).contains("--events-timeout=SECONDS").contains("(default: 30)");
  }
}
