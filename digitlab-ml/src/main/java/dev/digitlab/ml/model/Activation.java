package dev.digitlab.ml.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Hidden-layer activation functions the configurable models offer. */
public enum Activation {
  RELU,
  TANH,
  SIGMOID,
  GELU;

  /** The lower-case name used in configs, the CLI and the API. */
  @JsonValue
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a config name; unknown names get a message listing the allowed ones. */
  @JsonCreator
  public static Activation parse(String value) {
    for (Activation a : values()) {
      if (a.configName().equalsIgnoreCase(value)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "activation must be one of relu, tanh, sigmoid, gelu, got '" + value + "'");
  }
}
