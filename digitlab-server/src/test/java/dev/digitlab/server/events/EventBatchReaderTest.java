package dev.digitlab.server.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.event.LogLine;
import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.event.Progress;
import dev.digitlab.server.api.InvalidParameterException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.web.ErrorResponseException;
import tools.jackson.databind.ObjectMapper;

/** The streaming batch reader against what Jackson's data binding of the protocol records does. */
class EventBatchReaderTest {

  private static final ObjectMapper JACKSON = Json.mapper();

  @Test
  void a_metric_points_stored_json_is_the_text_jackson_writes_for_it() throws Exception {
    List<Double> values =
        new ArrayList<>(
            List.of(
                0.0,
                -0.0,
                1.0,
                -1.5,
                0.1,
                1e-7,
                1e7,
                1.0e21,
                123456789012.0,
                Double.MIN_VALUE,
                Double.MIN_NORMAL,
                Double.MAX_VALUE,
                Double.NaN,
                Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY));
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 20_000; i++) {
      values.add(Double.longBitsToDouble(random.nextLong()));
      values.add(random.nextDouble());
      values.add(1.0 / (i + 1));
    }
    for (double value : values) {
      MetricPoint point = new MetricPoint("val/acc-1.x_y", value, 12, 3);
      assertThat(MetricJson.of(point)).isEqualTo(JACKSON.writeValueAsString(point));
    }
  }

  @Test
  void the_quick_time_check_accepts_only_what_instant_parse_accepts() {
    List<String> times =
        new ArrayList<>(
            List.of(
                "2026-01-02T03:04:05Z",
                "2026-01-02T03:04:05.6Z",
                "2026-01-02T03:04:05.678Z",
                "2026-01-02T03:04:05.123456789Z",
                "2026-01-02T03:04:05.1234567890Z",
                "2026-01-02T03:04:05.Z",
                "2024-02-29T00:00:00Z",
                "2026-02-29T00:00:00Z",
                "2100-02-29T00:00:00Z",
                "2000-02-29T23:59:59Z",
                "2026-04-31T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-00-01T00:00:00Z",
                "2026-01-00T00:00:00Z",
                "2026-01-01T24:00:00Z",
                "2026-01-01T23:60:00Z",
                "2026-01-01T23:59:60Z",
                "2026-01-01T-1:00:00Z",
                "2026-01-01t00:00:00Z",
                "2026-01-01T00:00:00z",
                "2026-01-01T00:00:00+01:00",
                "2026-01-01 00:00:00Z",
                "0999-01-01T00:00:00Z",
                "+12026-01-01T00:00:00Z",
                "yesterday",
                ""));
    SplittableRandom random = new SplittableRandom(3);
    for (int i = 0; i < 5_000; i++) {
      times.add(
          Instant.ofEpochMilli(random.nextLong(-5_000_000_000_000L, 250_000_000_000_000L))
              .toString());
    }
    for (String time : times) {
      boolean parses;
      try {
        Instant.parse(time);
        parses = true;
      } catch (DateTimeParseException e) {
        parses = false;
      }
      if (EventBatchReader.isInstant(time)) {
        assertThat(parses).as(time).isTrue();
      }
    }
    assertThat(EventBatchReader.isInstant("2026-01-02T03:04:05.678Z")).isTrue();
    assertThat(EventBatchReader.isInstant("2024-02-29T00:00:00Z")).isTrue();
  }

  @Test
  void a_batch_is_read_into_rows_whose_payloads_are_the_records_json() throws Exception {
    String body =
        "{\"attempt\": 2, \"events\": ["
            + metric(1, "{\"key\": \"train_loss\", \"value\": 0.25, \"step\": 10, \"epoch\": 1}")
            + ", {\"type\": \"log\", \"seq\": 2, \"time\": \"2026-01-01T00:00:00Z\","
            + " \"payload\": {\"level\": \"INFO\", \"message\": \"hi \\\"there\\\"\"}}"
            + ", {\"payload\": {\"epoch\": 1, \"epochs\": 2, \"step\": 5, \"steps\": 10,"
            + " \"fraction\": 0.5, \"imagesPerSecond\": 100.0, \"etaSeconds\": null},"
            + " \"seq\": 3, \"time\": \"2026-01-01T00:00:01Z\", \"type\": \"progress\"}"
            + "]}";

    EventBatchReader.Batch batch = read(body, 10);

    assertThat(batch.attempt()).isEqualTo(2);
    assertThat(batch.leaseToken()).isNull();
    assertThat(batch.events())
        .containsExactly(
            new NewEvent(
                1,
                EventType.METRIC,
                JACKSON.writeValueAsString(new MetricPoint("train_loss", 0.25, 10, 1))),
            new NewEvent(
                2, EventType.LOG, JACKSON.writeValueAsString(new LogLine("INFO", "hi \"there\""))),
            new NewEvent(
                3,
                EventType.PROGRESS,
                JACKSON.writeValueAsString(new Progress(1, 2, 5, 10, 0.5, 100.0, null))));
    assertThat(batch.payloads())
        .containsExactly(
            new MetricPoint("train_loss", 0.25, 10, 1),
            new LogLine("INFO", "hi \"there\""),
            new Progress(1, 2, 5, 10, 0.5, 100.0, null));
  }

  @Test
  void a_metric_point_in_another_shape_is_read_as_jackson_reads_it() throws Exception {
    // Fields in another order, a float step, a string value, a missing epoch: Jackson's rules.
    String body =
        "{\"events\": ["
            + metric(1, "{\"step\": 3, \"epoch\": 2, \"value\": 1, \"key\": \"a\"}")
            + ","
            + metric(2, "{\"key\": \"b\", \"value\": 0.5, \"step\": 4.0, \"epoch\": 1}")
            + ","
            + metric(3, "{\"key\": \"c\", \"value\": \"NaN\", \"step\": 5, \"epoch\": 1}")
            + ","
            + metric(4, "{\"key\": \"d\", \"value\": 2.5, \"step\": 6}")
            + "], \"attempt\": 1}";

    EventBatchReader.Batch batch = read(body, 10);

    assertThat(batch.payloads())
        .containsExactly(
            new MetricPoint("a", 1, 3, 2),
            new MetricPoint("b", 0.5, 4, 1),
            new MetricPoint("c", Double.NaN, 5, 1),
            new MetricPoint("d", 2.5, 6, 0));
    for (int i = 0; i < 4; i++) {
      assertThat(batch.events().get(i).payload())
          .isEqualTo(JACKSON.writeValueAsString(batch.payloads().get(i)));
    }
  }

  @Test
  void a_workers_batch_carries_its_lease_token() {
    UUID token = UUID.randomUUID();
    String body =
        "{\"leaseToken\": \""
            + token
            + "\", \"attempt\": 1, \"events\": ["
            + metric(1, plainMetric("x", 1))
            + "]}";

    assertThat(EventBatchReader.read(bytes(body), 10, true).leaseToken()).isEqualTo(token);
    assertThat(field(() -> EventBatchReader.read(bytes(body), 10, false))).isEqualTo("leaseToken");
    assertThat(
            field(() -> EventBatchReader.read(bytes("{\"attempt\": 1, \"events\": []}"), 10, true)))
        .isEqualTo("leaseToken");
  }

  @Test
  void each_kind_of_bad_batch_names_what_is_wrong() {
    assertThat(field(() -> read("{\"attempt\": 1, \"events\": [", 10))).isEqualTo("body");
    assertThat(field(() -> read("", 10))).isEqualTo("body");
    assertThat(field(() -> read("[1]", 10))).isEqualTo("body");
    assertThat(field(() -> read("{\"attempt\": 1, \"events\": [], \"x\": {}}", 10))).isEqualTo("x");
    assertThat(field(() -> read("{\"attempt\": 0, \"events\": []}", 10))).isEqualTo("attempt");
    assertThat(field(() -> read("{\"attempt\": 1.5, \"events\": []}", 10))).isEqualTo("attempt");
    assertThat(field(() -> read("{\"attempt\": 1}", 10))).isEqualTo("events");
    assertThat(field(() -> read("{\"attempt\": 1, \"events\": {}}", 10))).isEqualTo("events");
  }

  @Test
  void a_bad_event_is_named_by_its_index_and_says_why() {
    String badKey = metric(2, plainMetric("Bad Key", 2));
    String longLog =
        "{\"seq\": 2, \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"log\", \"payload\":"
            + " {\"level\": \"INFO\", \"message\": \""
            + "y".repeat(LogLine.MAX_MESSAGE_CHARS + 1)
            + "\"}}";
    String first = metric(1, plainMetric("ok", 1));

    assertThat(message(() -> read(batch(first, badKey, first), 10)))
        .startsWith("events[1]:")
        .contains("metric key");
    assertThat(message(() -> read(batch(first, longLog), 10)))
        .startsWith("events[1]:")
        .contains("65536");
    assertThat(message(() -> read(batch("\"just text\""), 10))).startsWith("events[0]:");
    assertThat(message(() -> read(batch(metric(0, plainMetric("a", 1))), 10)))
        .startsWith("events[0]:")
        .contains("seq");
    assertThat(
            message(
                () ->
                    read(
                        batch(
                            "{\"seq\": 1, \"time\": \"yesterday\", \"type\": \"metric\","
                                + " \"payload\": "
                                + plainMetric("a", 1)
                                + "}"),
                        10)))
        .startsWith("events[0]:");
    assertThat(
            message(
                () ->
                    read(
                        batch(
                            "{\"seq\": 1, \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"metric\","
                                + " \"payload\": "
                                + plainMetric("a", 1)
                                + ", \"extra\": {\"deep\": [1, {\"x\": 2}]}}",
                            first),
                        10)))
        .startsWith("events[0]:")
        .contains("extra");
    assertThat(
            message(
                () ->
                    read(
                        batch(
                            "{\"seq\": 1, \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"metric\","
                                + " \"payload\": {\"key\": \"a\", \"value\": 1, \"step\": 1,"
                                + " \"epoch\": 1, \"colour\": \"red\"}}"),
                        10)))
        .startsWith("events[0]:")
        .contains("colour");
  }

  @Test
  void a_batch_over_the_limit_is_413_with_its_full_count_even_with_bad_events_in_it() {
    StringJoiner events = new StringJoiner(",");
    events.add("\"not an event\"");
    for (int seq = 1; seq <= 12; seq++) {
      events.add(metric(seq, plainMetric("a", seq)));
    }

    assertThatThrownBy(() -> read(batch(events.toString()), 10))
        .isInstanceOf(ErrorResponseException.class)
        .satisfies(
            e ->
                assertThat(((ErrorResponseException) e).getBody().getDetail())
                    .contains("at most 10 events")
                    .contains("this one has 13"));
  }

  private static EventBatchReader.Batch read(String body, int maxBatch) {
    return EventBatchReader.read(bytes(body), maxBatch, false);
  }

  private static byte[] bytes(String body) {
    return body.getBytes(StandardCharsets.UTF_8);
  }

  private static String batch(String... events) {
    return "{\"attempt\": 1, \"events\": [" + String.join(", ", events) + "]}";
  }

  private static String metric(long seq, String payload) {
    return "{\"seq\": "
        + seq
        + ", \"time\": \"2026-01-01T00:00:00Z\", \"type\": \"metric\", \"payload\": "
        + payload
        + "}";
  }

  private static String plainMetric(String key, long step) {
    return "{\"key\": \"" + key + "\", \"value\": 0.5, \"step\": " + step + ", \"epoch\": 1}";
  }

  private static String field(Runnable read) {
    try {
      read.run();
    } catch (InvalidParameterException e) {
      return e.errors().getFirst().path();
    }
    throw new AssertionError("no InvalidParameterException");
  }

  private static String message(Runnable read) {
    try {
      read.run();
    } catch (InvalidParameterException e) {
      return e.getMessage();
    }
    throw new AssertionError("no InvalidParameterException");
  }
}
