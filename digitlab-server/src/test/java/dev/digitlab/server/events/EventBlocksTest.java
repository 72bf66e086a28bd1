package dev.digitlab.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.event.EventType;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** How {@link EventStore} cuts a batch into blocks. */
class EventBlocksTest {

  @Test
  void a_block_is_a_run_of_consecutive_events_of_one_type() {
    List<NewEvent> batch =
        List.of(
            event(1, EventType.METRIC),
            event(2, EventType.METRIC),
            event(3, EventType.LOG),
            event(4, EventType.METRIC),
            event(5, EventType.METRIC));

    assertThat(EventStore.blocks(batch))
        .extracting(block -> block.stream().map(NewEvent::seq).toList())
        .containsExactly(List.of(1L, 2L), List.of(3L), List.of(4L, 5L));
  }

  @Test
  void a_long_run_is_cut_at_the_most_events_a_block_holds() {
    List<NewEvent> batch =
        LongStream.range(0, EventStore.MAX_BLOCK_EVENTS * 2L + 1)
            .mapToObj(seq -> event(seq, EventType.METRIC))
            .toList();

    assertThat(EventStore.blocks(batch))
        .extracting(List::size)
        .containsExactly(EventStore.MAX_BLOCK_EVENTS, EventStore.MAX_BLOCK_EVENTS, 1);
    assertThat(EventStore.MAX_BLOCK_EVENTS).isLessThan(EventStore.ID_STEP);
  }

  @Test
  void a_run_of_big_payloads_is_cut_by_size_and_a_single_huge_event_is_a_block_of_its_own() {
    String big = "x".repeat(EventStore.MAX_BLOCK_BYTES / 3 / 2);
    String huge = "y".repeat(EventStore.MAX_BLOCK_BYTES);
    List<NewEvent> batch = new ArrayList<>();
    for (long seq = 0; seq < 5; seq++) {
      batch.add(new NewEvent(seq, EventType.LOG, big));
    }
    batch.add(new NewEvent(5, EventType.LOG, huge));
    batch.add(new NewEvent(6, EventType.LOG, "{}"));

    assertThat(EventStore.blocks(batch)).extracting(List::size).containsExactly(2, 2, 1, 1, 1);
  }

  private static NewEvent event(long seq, EventType type) {
    return new NewEvent(seq, type, "{\"seq\":" + seq + "}");
  }
}
