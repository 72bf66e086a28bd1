package dev.digitlab.protocol.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.ObjectMapper;

class TrialEventJsonTest {

  private static final Instant TIME = Instant.parse("2026-01-02T03:04:05.678Z");
  private static final String SHA = "ab".repeat(32);

  private final ObjectMapper mapper = Json.mapper();

  static Stream<EventPayload> payloads() {
    return Stream.of(
        new MetricPoint("train_loss", 0.52, 120, 1),
        new MetricPoint("val_accuracy", Double.NaN, 0, 0),
        new LogLine(LogLine.ERROR, "boom\n\tat Foo.bar(Foo.java:1)"),
        new Progress(2, 3, 40, 60, 40 / 60.0, 51234.5, 1.25),
        new Progress(1, 1, 0, 10, 0, 0, null),
        new StatusChange(StatusChange.RUNNING, "attempt 2, resumed from epoch 1"),
        new ArtifactRef("checkpoint", "checkpoint", 123_456, SHA));
  }

  @ParameterizedTest
  @MethodSource("payloads")
  void every_payload_survives_a_json_round_trip(EventPayload payload) throws Exception {
    TrialEvent event = TrialEvent.of(7, TIME, payload);

    String json = mapper.writeValueAsString(event);
    TrialEvent read = mapper.readValue(json, TrialEvent.class);

    assertThat(read).isEqualTo(event);
    assertThat(read.payload()).isInstanceOf(payload.getClass());
  }

  @Test
  void a_metric_event_has_the_documented_json_shape() throws Exception {
    TrialEvent event = TrialEvent.of(7, TIME, new MetricPoint("train_loss", 0.5, 120, 1));

    assertThat(mapper.writeValueAsString(event))
        .isEqualTo(
            "{\"seq\":7,\"time\":\"2026-01-02T03:04:05.678Z\",\"type\":\"metric\","
                + "\"payload\":{\"key\":\"train_loss\",\"value\":0.5,\"step\":120,\"epoch\":1}}");
  }

  @Test
  void a_batch_reads_back_as_a_list_of_typed_events() throws Exception {
    List<TrialEvent> batch =
        List.of(
            TrialEvent.of(1, TIME, new StatusChange("running", "attempt 1")),
            TrialEvent.of(2, TIME, new MetricPoint("train_loss", 2.3, 1, 1)),
            TrialEvent.of(3, TIME, LogLine.info("epoch 1: loss=0.3")));

    List<TrialEvent> read =
        mapper.readValue(mapper.writeValueAsString(batch), new TypeReference<>() {});

    assertThat(read).isEqualTo(batch);
  }

  @Test
  void a_payload_that_does_not_match_its_type_is_refused() {
    String json =
        "{\"seq\":1,\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"log\","
            + "\"payload\":{\"key\":\"train_loss\",\"value\":1,\"step\":1,\"epoch\":1}}";

    assertThatThrownBy(() -> mapper.readValue(json, TrialEvent.class))
        .isInstanceOf(DatabindException.class)
        .hasMessageContaining("invalid log payload");
  }

  @Test
  void an_unknown_type_or_field_is_refused_with_its_name() {
    String unknownType =
        "{\"seq\":1,\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"gossip\",\"payload\":{}}";
    String unknownField =
        "{\"seq\":1,\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"log\",\"attempt\":2,"
            + "\"payload\":{\"level\":\"INFO\",\"message\":\"hi\"}}";

    assertThatThrownBy(() -> mapper.readValue(unknownType, TrialEvent.class))
        .hasMessageContaining("unknown event type 'gossip'");
    assertThatThrownBy(() -> mapper.readValue(unknownField, TrialEvent.class))
        .hasMessageContaining("unknown event field 'attempt'");
  }

  @Test
  void a_missing_time_or_a_seq_below_one_is_refused() {
    String noTime =
        "{\"seq\":1,\"type\":\"log\",\"payload\":{\"level\":\"INFO\",\"message\":\"\"}}";
    String seqZero =
        "{\"seq\":0,\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"log\","
            + "\"payload\":{\"level\":\"INFO\",\"message\":\"\"}}";

    assertThatThrownBy(() -> mapper.readValue(noTime, TrialEvent.class))
        .hasMessageContaining("'time' is missing");
    assertThatThrownBy(() -> mapper.readValue(seqZero, TrialEvent.class))
        .hasMessageContaining("seq must be at least 1");
  }

  @Test
  void an_invalid_metric_key_in_json_is_refused() {
    String json =
        "{\"seq\":1,\"time\":\"2026-01-02T03:04:05Z\",\"type\":\"metric\","
            + "\"payload\":{\"key\":\"Train Loss\",\"value\":1,\"step\":1,\"epoch\":1}}";

    assertThatThrownBy(() -> mapper.readValue(json, TrialEvent.class))
        .hasMessageContaining("invalid metric payload")
        .hasMessageContaining("metric key 'Train Loss' must match");
  }
}
