package dev.digitlab.protocol.event;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;
import tools.jackson.databind.deser.std.StdDeserializer;
import tools.jackson.databind.ser.std.ToStringSerializer;

/**
 * One entry of a trial's append-only event stream. Within an attempt {@code seq} increases
 * strictly; a receiver stores an event once per (trial, attempt, seq), so a retried batch adds
 * nothing.
 *
 * <p>JSON: {@code {"seq":7,"time":"2026-01-02T03:04:05.678Z","type":"metric","payload":{"key":
 * "train_loss","value":0.52,"step":120,"epoch":1}}}. {@code time} is ISO-8601 whatever the mapper's
 * date settings, and {@code type} decides which record {@code payload} is read into, so any plain
 * {@code ObjectMapper} reads and writes events (no {@code JavaTimeModule} needed).
 *
 * @param seq the event's number in its trial's stream, ≥ 1
 * @param type always {@code payload.type()}; written out so that readers can dispatch on it
 */
@JsonDeserialize(using = TrialEvent.Reader.class)
public record TrialEvent(
    long seq,
    @JsonSerialize(using = ToStringSerializer.class) Instant time,
    EventType type,
    EventPayload payload) {

  public TrialEvent {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    if (seq < 1) {
      throw new IllegalArgumentException("seq must be at least 1, got " + seq);
    }
    if (payload.type() != type) {
      throw new IllegalArgumentException(
          "a "
              + type.wireName()
              + " event cannot carry a "
              + payload.type().wireName()
              + " payload");
    }
  }

  /** An event whose type is its payload's. */
  public static TrialEvent of(long seq, Instant time, EventPayload payload) {
    return new TrialEvent(seq, time, payload.type(), payload);
  }

  /** Reads the payload as the record its sibling {@code type} names. */
  static final class Reader extends StdDeserializer<TrialEvent> {

    private static final Set<String> FIELDS = Set.of("seq", "time", "type", "payload");

    Reader() {
      super(TrialEvent.class);
    }

    @Override
    public TrialEvent deserialize(JsonParser parser, DeserializationContext context) {
      JsonNode node = context.readTree(parser);
      if (!node.isObject()) {
        return context.reportInputMismatch(this, "an event must be a JSON object");
      }
      for (String name : node.propertyNames()) {
        if (!FIELDS.contains(name)) {
          return context.reportInputMismatch(
              this, "unknown event field '%s' (known: seq, time, type, payload)", name);
        }
      }
      JsonNode seq = required(node, "seq", context);
      if (!seq.canConvertToExactIntegral() || !seq.canConvertToLong()) {
        return context.reportInputMismatch(this, "event seq must be a whole number, got %s", seq);
      }
      try {
        EventType type = EventType.fromWireName(required(node, "type", context).asString());
        Instant time = Instant.parse(required(node, "time", context).asString());
        EventPayload payload;
        try {
          payload = context.readTreeAsValue(required(node, "payload", context), type.payloadType());
        } catch (DatabindException e) {
          return context.reportInputMismatch(
              this, "invalid %s payload: %s", type.wireName(), e.getOriginalMessage());
        }
        return new TrialEvent(seq.asLong(), time, type, payload);
      } catch (IllegalArgumentException | DateTimeParseException e) {
        return context.reportInputMismatch(this, "invalid event: %s", e.getMessage());
      }
    }

    private JsonNode required(JsonNode node, String field, DeserializationContext context) {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return context.reportInputMismatch(this, "event field '%s' is missing", field);
      }
      return value;
    }
  }
}
