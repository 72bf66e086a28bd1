package dev.digitlab.protocol.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Whether an experiment looks for the largest or the smallest value of its objective metric. */
public enum Goal {
  MAX,
  MIN;

  /** True when {@code candidate} beats {@code incumbent} under this goal; NaN never wins. */
  public boolean isBetter(double candidate, double incumbent) {
    if (Double.isNaN(candidate)) {
      return false;
    }
    if (Double.isNaN(incumbent)) {
      return true;
    }
    return this == MAX ? candidate > incumbent : candidate < incumbent;
  }

  @JsonValue
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Goal parse(String value) {
    for (Goal goal : values()) {
      if (goal.configName().equalsIgnoreCase(value)) {
        return goal;
      }
    }
    throw new IllegalArgumentException("must be max or min, got '" + value + "'");
  }
}
