package dev.digitlab.ml.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Optimizers with PyTorch's update rules; momentum and Nesterov are options of {@code sgd}. */
public enum OptimizerKind {
  SGD,
  ADAM,
  ADAMW,
  RMSPROP;

  @JsonValue
  public String configName() {
    return ConfigChoice.configName(this);
  }

  @JsonCreator
  public static OptimizerKind parse(String value) {
    return ConfigChoice.parse(OptimizerKind.class, "optimizer", value);
  }
}
