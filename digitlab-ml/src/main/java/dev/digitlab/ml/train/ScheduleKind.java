package dev.digitlab.ml.train;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** Learning-rate schedules; see {@link LearningRateSchedule} for their formulas. */
public enum ScheduleKind {
  CONSTANT,
  STEP,
  COSINE,
  ONE_CYCLE;

  @JsonValue
  public String configName() {
    return ConfigChoice.configName(this);
  }

  @JsonCreator
  public static ScheduleKind parse(String value) {
    return ConfigChoice.parse(ScheduleKind.class, "lrSchedule", value);
  }
}
