package dev.digitlab.protocol.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a search space becomes trials: every combination, or seeded random samples. */
public enum SearchType {
  GRID,
  RANDOM;

  @JsonValue
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static SearchType parse(String value) {
    for (SearchType type : values()) {
      if (type.configName().equalsIgnoreCase(value)) {
        return type;
      }
    }
    throw new IllegalArgumentException("must be grid or random, got '" + value + "'");
  }
}
