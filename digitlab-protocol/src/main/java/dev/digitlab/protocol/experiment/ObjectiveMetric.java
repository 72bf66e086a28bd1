package dev.digitlab.protocol.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The result metrics an experiment can optimise, named as in the trainer's JSON result. */
public enum ObjectiveMetric {
  TEST_ACCURACY(Goal.MAX),
  TEST_F1_MACRO(Goal.MAX),
  TEST_LOSS(Goal.MIN),
  TEST_PRECISION_MACRO(Goal.MAX),
  TEST_RECALL_MACRO(Goal.MAX),
  TRAIN_SECONDS(Goal.MIN),
  IMAGES_PER_SECOND(Goal.MAX);

  private final Goal naturalGoal;

  ObjectiveMetric(Goal naturalGoal) {
    this.naturalGoal = naturalGoal;
  }

  /**
   * The goal assumed when a file names the metric only: a loss is minimised, accuracy maximised.
   */
  public Goal naturalGoal() {
    return naturalGoal;
  }

  @JsonValue
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  @JsonCreator
  public static ObjectiveMetric parse(String value) {
    for (ObjectiveMetric metric : values()) {
      if (metric.configName().equalsIgnoreCase(value)) {
        return metric;
      }
    }
    throw new IllegalArgumentException("must be one of " + allowed() + ", got '" + value + "'");
  }

  static String allowed() {
    return Arrays.stream(values())
        .map(ObjectiveMetric::configName)
        .collect(Collectors.joining(", "));
  }
}
