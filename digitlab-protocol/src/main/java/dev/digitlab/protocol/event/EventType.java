package dev.digitlab.protocol.event;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** The kinds of entry in a trial's event stream, each with the payload record it carries. */
public enum EventType {
  METRIC("metric", MetricPoint.class),
  LOG("log", LogLine.class),
  PROGRESS("progress", Progress.class),
  STATUS("status", StatusChange.class),
  ARTIFACT("artifact", ArtifactRef.class);

  private final String wireName;
  private final Class<? extends EventPayload> payloadType;

  EventType(String wireName, Class<? extends EventPayload> payloadType) {
    this.wireName = wireName;
    this.payloadType = payloadType;
  }

  /** The name in JSON, in the database and in SSE {@code event:} lines. */
  @JsonValue
  public String wireName() {
    return wireName;
  }

  /** The record an event of this type carries. */
  public Class<? extends EventPayload> payloadType() {
    return payloadType;
  }

  /** The type called {@code name} in JSON. */
  @JsonCreator
  public static EventType fromWireName(String name) {
    for (EventType type : values()) {
      if (type.wireName.equals(name)) {
        return type;
      }
    }
    throw new IllegalArgumentException(
        "unknown event type '"
            + name
            + "'; known: "
            + Arrays.stream(values()).map(EventType::wireName).collect(Collectors.joining(", ")));
  }
}
