package dev.digitlab.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventBlockCodec.Entry;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class EventBlockCodecTest {

  @Test
  void events_come_back_with_their_seqs_and_payloads_in_order() {
    List<NewEvent> events =
        List.of(
            metric(3, "{\"key\":\"loss\",\"value\":0.5}"),
            metric(4, "{\"key\":\"loss\",\"value\":0.25}"),
            metric(9, "{}"));

    byte[] body = EventBlockCodec.encode(events);

    assertThat(EventBlockCodec.decode(body))
        .containsExactly(
            new Entry(3, "{\"key\":\"loss\",\"value\":0.5}"),
            new Entry(4, "{\"key\":\"loss\",\"value\":0.25}"),
            new Entry(9, "{}"));
    assertThat(EventBlockCodec.seqs(body)).containsExactly(3, 4, 9);
  }

  @Test
  void unicode_and_empty_payloads_survive() {
    String unicode = "{\"message\":\"Größe ✓ 数字 \uD83D\uDE80 \\u0000\"}";
    byte[] body = EventBlockCodec.encode(List.of(metric(0, ""), metric(1, unicode)));

    assertThat(EventBlockCodec.decode(body))
        .containsExactly(new Entry(0, ""), new Entry(1, unicode));
  }

  @Test
  void seqs_out_of_order_and_far_apart_survive() {
    long[] seqs = {Long.MAX_VALUE, 0, 5, 4, Long.MAX_VALUE - 1, 1L << 40};
    List<NewEvent> events = Arrays.stream(seqs).mapToObj(seq -> metric(seq, "x" + seq)).toList();

    byte[] body = EventBlockCodec.encode(events);

    assertThat(EventBlockCodec.seqs(body)).containsExactly(seqs);
    assertThat(EventBlockCodec.decode(body))
        .extracting(Entry::payload)
        .containsExactlyElementsOf(events.stream().map(NewEvent::payload).toList());
  }

  @Test
  void many_events_round_trip() {
    List<NewEvent> events =
        LongStream.range(1, 10_001)
            .mapToObj(seq -> metric(seq, "{\"key\":\"train_loss\",\"step\":" + seq + "}"))
            .toList();

    byte[] body = EventBlockCodec.encode(events);

    List<Entry> decoded = EventBlockCodec.decode(body);
    assertThat(decoded).hasSize(10_000);
    for (int i = 0; i < events.size(); i++) {
      assertThat(decoded.get(i)).isEqualTo(new Entry(events.get(i).seq(), events.get(i).payload()));
    }
    assertThat(EventBlockCodec.seqs(body)).hasSize(10_000).startsWith(1, 2).endsWith(10_000);
  }

  @Test
  void a_part_of_a_body_decodes_as_that_part_of_the_whole() {
    List<NewEvent> events =
        LongStream.range(0, 50).mapToObj(seq -> metric(seq * 3, "p" + seq + "ü")).toList();
    byte[] body = EventBlockCodec.encode(events);
    List<Entry> all = EventBlockCodec.decode(body);

    assertThat(EventBlockCodec.decode(body, 10, 5)).isEqualTo(all.subList(10, 15));
    assertThat(EventBlockCodec.decode(body, 45, 100)).isEqualTo(all.subList(45, 50));
    assertThat(EventBlockCodec.decode(body, 0, 1)).isEqualTo(all.subList(0, 1));
    assertThat(EventBlockCodec.decode(body, 50, 10)).isEmpty();
    assertThat(EventBlockCodec.decode(body, 7, Integer.MAX_VALUE)).isEqualTo(all.subList(7, 50));
  }

  @Test
  void an_empty_block_and_entries_encode_like_events() {
    assertThat(EventBlockCodec.decode(EventBlockCodec.encode(List.of()))).isEmpty();
    assertThat(EventBlockCodec.encodeEntries(List.of(new Entry(7, "{\"a\":1}"))))
        .isEqualTo(EventBlockCodec.encode(List.of(metric(7, "{\"a\":1}"))));
  }

  @Test
  void a_truncated_or_padded_body_is_reported_not_misread() {
    byte[] body = EventBlockCodec.encode(List.of(metric(1, "{\"a\":1}"), metric(2, "{\"b\":2}")));

    assertThatThrownBy(() -> EventBlockCodec.decode(Arrays.copyOf(body, body.length - 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
    assertThatThrownBy(() -> EventBlockCodec.seqs(Arrays.copyOf(body, body.length + 1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("corrupt");
  }

  private static NewEvent metric(long seq, String payload) {
    return new NewEvent(seq, EventType.METRIC, payload);
  }
}
