package dev.digitlab.protocol.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** How a random range is sampled: uniformly, or uniformly in the logarithm (log-uniform). */
public enum Scale {
  LINEAR,
  LOG;

  @JsonValue
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static Scale parse(String value) {
    for (Scale scale : values()) {
      if (scale.configName().equalsIgnoreCase(value)) {
        return scale;
      }
    }
    throw new IllegalArgumentException("must be linear or log, got '" + value + "'");
  }
}
