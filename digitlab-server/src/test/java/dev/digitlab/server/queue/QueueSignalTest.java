package dev.digitlab.server.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class QueueSignalTest {

  /** A guard against a hang, not a speed requirement: the waits below are an hour long. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(30);

  private static final Duration HOUR = Duration.ofHours(1);

  private final QueueSignal signal = new QueueSignal();

  @Test
  void a_submission_between_looking_at_the_queue_and_waiting_is_not_missed() {
    long seen = signal.generation();
    signal.trialsQueued();

    assertTimeoutPreemptively(HANG_GUARD, () -> signal.awaitAfter(seen, HOUR));
    assertThat(signal.generation()).isGreaterThan(seen);
  }

  @Test
  void a_waiting_slot_wakes_when_trials_are_queued() throws Exception {
    long seen = signal.generation();
    CountDownLatch waiting = new CountDownLatch(1);
    CountDownLatch woke = new CountDownLatch(1);
    Thread slot =
        Thread.ofVirtual()
            .start(
                () -> {
                  waiting.countDown();
                  try {
                    signal.awaitAfter(seen, HOUR);
                    woke.countDown();
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
    waiting.await();

    signal.trialsQueued();

    assertTimeoutPreemptively(HANG_GUARD, () -> woke.await());
    slot.join();
  }

  @Test
  void without_a_submission_the_wait_ends_at_its_timeout() throws Exception {
    long seen = signal.generation();

    signal.awaitAfter(seen, Duration.ofMillis(1));

    assertThat(signal.generation()).isEqualTo(seen);
  }
}
