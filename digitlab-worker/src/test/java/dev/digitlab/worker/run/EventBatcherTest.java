package dev.digitlab.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.TrialEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class EventBatcherTest {

  private final MutableClock clock = new MutableClock();
  private final InMemoryEventSink sink = new InMemoryEventSink();

  private EventBatcher batcher(int maxEvents, long maxDelayMillis) {
    return new EventBatcher(
        sink,
        100,
        clock,
        new EventBatching(maxEvents, Duration.ofMillis(maxDelayMillis), Duration.ZERO));
  }

  @Test
  void events_are_numbered_consecutively_from_the_first_seq() {
    EventBatcher batcher = batcher(2, 10_000);

    for (int i = 0; i < 5; i++) {
      batcher.add(LogLine.info("line " + i));
    }
    batcher.flush();

    assertThat(sink.events())
        .extracting(TrialEvent::seq)
        .containsExactly(100L, 101L, 102L, 103L, 104L);
    assertThat(batcher.lastSeq()).isEqualTo(104);
  }

  @Test
  void a_full_batch_is_sent_at_once_and_a_partial_one_waits() {
    EventBatcher batcher = batcher(3, 10_000);

    for (int i = 0; i < 7; i++) {
      batcher.add(LogLine.info("line " + i));
    }

    assertThat(sink.batches()).extracting(List::size).containsExactly(3, 3);
    batcher.flush();
    assertThat(sink.batches()).extracting(List::size).containsExactly(3, 3, 1);
  }

  @Test
  void a_batch_whose_oldest_event_reached_the_delay_is_sent_with_the_next_event() {
    EventBatcher batcher = batcher(1000, 200);

    batcher.add(LogLine.info("first"));
    clock.advance(Duration.ofMillis(199));
    batcher.add(LogLine.info("second"));
    assertThat(sink.batches()).isEmpty();

    clock.advance(Duration.ofMillis(1));
    batcher.add(LogLine.info("third"));

    assertThat(sink.batches()).singleElement().satisfies(b -> assertThat(b).hasSize(3));
  }

  @Test
  void flushing_nothing_calls_no_sink() {
    batcher(10, 10).flush();

    assertThat(sink.batches()).isEmpty();
  }

  @Test
  void a_failing_sink_is_reported_with_the_events_it_lost() {
    EventBatcher batcher =
        new EventBatcher(
            batch -> {
              throw new IllegalStateException("server unreachable");
            },
            5,
            clock,
            EventBatching.DEFAULTS);
    batcher.add(LogLine.info("a"));
    batcher.add(LogLine.info("b"));

    assertThatThrownBy(batcher::flush)
        .isInstanceOf(EventDeliveryException.class)
        .hasMessageContaining("events 5–6")
        .hasMessageContaining("server unreachable");
  }

  /** A sink that prefers the background, records who called it, and waits for {@code go}. */
  private static final class BackgroundSink implements EventSink {
    final CountDownLatch go = new CountDownLatch(1);
    final List<String> threads = new ArrayList<>();
    final InMemoryEventSink received = new InMemoryEventSink();
    volatile RuntimeException failure;

    @Override
    public void append(List<TrialEvent> batch) throws InterruptedException {
      go.await();
      if (failure != null) {
        throw failure;
      }
      synchronized (threads) {
        threads.add(Thread.currentThread().getName());
      }
      received.append(batch);
    }

    @Override
    public boolean prefersBackground() {
      return true;
    }
  }

  @Test
  void a_sink_that_prefers_the_background_gets_full_batches_from_another_thread_and_flush_waits() {
    BackgroundSink background = new BackgroundSink();
    EventBatcher batcher =
        new EventBatcher(
            background, 1, clock, new EventBatching(2, Duration.ofSeconds(10), Duration.ZERO));

    batcher.add(LogLine.info("a"));
    // The batch is full: it is handed over, and the training thread goes on although the sink
    // has not returned (it waits for the latch, so a synchronous call would never get here).
    batcher.add(LogLine.info("b"));
    batcher.add(LogLine.info("c"));
    assertThat(background.received.events()).isEmpty();

    background.go.countDown();
    batcher.flush();

    assertThat(background.received.batches()).extracting(List::size).containsExactly(2, 1);
    assertThat(background.received.events())
        .extracting(TrialEvent::seq)
        .containsExactly(1L, 2L, 3L);
    assertThat(background.threads.getFirst()).startsWith("event-delivery-");
    assertThat(background.threads.get(1)).isEqualTo(Thread.currentThread().getName());
  }

  @Test
  void a_background_delivery_failure_is_thrown_on_the_training_thread() {
    BackgroundSink background = new BackgroundSink();
    background.failure = new IllegalStateException("lease lost");
    background.go.countDown();
    EventBatcher batcher =
        new EventBatcher(
            background, 7, clock, new EventBatching(1, Duration.ofSeconds(10), Duration.ZERO));

    batcher.add(LogLine.info("a"));

    assertThatThrownBy(batcher::flush)
        .isInstanceOf(EventDeliveryException.class)
        .hasMessageContaining("events 7–7")
        .hasMessageContaining("lease lost");
  }
}
