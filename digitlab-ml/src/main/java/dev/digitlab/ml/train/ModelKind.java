package dev.digitlab.ml.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The model families a config can name; each has the benchmark recipe as its default shape. */
public enum ModelKind {
  MLP,
  CNN,
  LENET5,
  /** A small batch-normalised CNN with its own training recipe: 99% in seconds on a CPU. */
  FAST;

  @JsonValue
  public String configName() {
    return ConfigChoice.configName(this);
  }

  @JsonCreator
  public static ModelKind parse(String value) {
    return ConfigChoice.parse(ModelKind.class, "model", value);
  }
}
