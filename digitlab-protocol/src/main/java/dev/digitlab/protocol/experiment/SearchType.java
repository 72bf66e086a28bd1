package dev.digitlab.protocol.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * How a search space becomes trials: every combination, seeded random samples (both expanded at
 * submission), or the Tree-structured Parzen Estimator, which suggests each trial when a slot frees
 * up from the trials finished so far.
 */
public enum SearchType {
  GRID,
  RANDOM,
  TPE;

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
    throw new IllegalArgumentException("must be grid, random or tpe, got '" + value + "'");
  }
}
