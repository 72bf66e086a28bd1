package dev.digitlab.server.events;

import dev.digitlab.protocol.event.EventType;
import java.util.Objects;

/** An event as a worker sends it: its number in the attempt's stream, its type, its JSON. */
public record NewEvent(long seq, EventType type, String payload) {

  public NewEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(payload, "payload");
    if (seq < 0) {
      throw new IllegalArgumentException("An event's seq must not be negative, not " + seq);
    }
  }
}
