package dev.digitlab.server.registry;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A version is active (servable, promotable) until archived; archiving is final. */
public enum VersionStatus {
  ACTIVE,
  ARCHIVED;

  /** The lowercase name, as stored and as the API shows it. */
  @JsonValue
  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  static VersionStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
