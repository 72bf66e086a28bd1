package dev.digitlab.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.TrialEvent;
import java.time.Duration;
import java.util.List;
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
}
