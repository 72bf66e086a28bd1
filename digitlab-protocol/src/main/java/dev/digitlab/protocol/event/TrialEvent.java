package dev.digitlab.protocol.event;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Objects;
import java.util.Set;

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

    private static final long serialVersionUID = 1L;

    private static final Set<String> FIELDS = Set.of("seq", "time", "type", "payload");

    Reader() {
      super(TrialEvent.class);
    }

    @Override
    public TrialEvent deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode node = context.readTree(parser);
      if (!node.isObject()) {
        return context.reportInputMismatch(this, "an event must be a JSON object");
      }
      for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
        String name = names.next();
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
        EventType type = EventType.fromWireName(required(node, "type", context).asText());
        Instant time = Instant.parse(required(node, "time", context).asText());
        EventPayload payload;
        try {
          payload = context.readTreeAsValue(required(node, "payload", context), type.payloadType());
        } catch (JsonMappingException e) {
          return context.reportInputMismatch(
              this, "invalid %s payload: %s", type.wireName(), e.getOriginalMessage());
        }
        return new TrialEvent(seq.asLong(), time, type, payload);
      } catch (IllegalArgumentException | DateTimeParseException e) {
        return context.reportInputMismatch(this, "invalid event: %s", e.getMessage());
      }
    }

    private JsonNode required(JsonNode node, String field, DeserializationContext context)
        throws IOException {
      JsonNode value = node.get(field);
      if (value == null || value.isNull()) {
        return context.reportInputMismatch(this, "event field '%s' is missing", field);
      }
      return value;
    }
  }
}
