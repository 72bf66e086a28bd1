package dev.digitlab.server.events;

import java.util.Locale;

/** What an event records. */
public enum EventType {
  METRIC,
  LOG,
  PROGRESS,
  STATUS,
  ARTIFACT;

  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static EventType fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
