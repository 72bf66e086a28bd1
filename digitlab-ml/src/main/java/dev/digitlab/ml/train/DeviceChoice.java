package dev.digitlab.ml.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Where to train: the CPU, a GPU (an error when none is present), or a GPU when there is one. */
public enum DeviceChoice {
  CPU,
  GPU,
  AUTO;

  @JsonValue
  public String configName() {
    return ConfigChoice.configName(this);
  }

  @JsonCreator
  public static DeviceChoice parse(String value) {
    return ConfigChoice.parse(DeviceChoice.class, "device", value);
  }
}
