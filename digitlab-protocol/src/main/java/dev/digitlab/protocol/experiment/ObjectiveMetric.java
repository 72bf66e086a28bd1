package dev.digitlab.protocol.experiment;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.digitlab.protocol.event.MetricPoint;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The metric an experiment optimises. A built-in experiment picks one of the trainer's result
 * metrics (the constants, named as in its JSON result); a command experiment's program reports
 * metrics of its own names, so its objective may name any metric key ({@link #named}).
 *
 * <p>A value class rather than an enum since command trials: the built-in metrics stay constants,
 * compared by name.
 */
public final class ObjectiveMetric {

  public static final ObjectiveMetric TEST_ACCURACY =
      new ObjectiveMetric("test_accuracy", Goal.MAX);
  public static final ObjectiveMetric TEST_F1_MACRO =
      new ObjectiveMetric("test_f1_macro", Goal.MAX);
  public static final ObjectiveMetric TEST_LOSS = new ObjectiveMetric("test_loss", Goal.MIN);
  public static final ObjectiveMetric TEST_PRECISION_MACRO =
      new ObjectiveMetric("test_precision_macro", Goal.MAX);
  public static final ObjectiveMetric TEST_RECALL_MACRO =
      new ObjectiveMetric("test_recall_macro", Goal.MAX);
  public static final ObjectiveMetric TRAIN_SECONDS =
      new ObjectiveMetric("train_seconds", Goal.MIN);
  public static final ObjectiveMetric IMAGES_PER_SECOND =
      new ObjectiveMetric("images_per_second", Goal.MAX);

  private static final List<ObjectiveMetric> BUILT_IN =
      List.of(
          TEST_ACCURACY,
          TEST_F1_MACRO,
          TEST_LOSS,
          TEST_PRECISION_MACRO,
          TEST_RECALL_MACRO,
          TRAIN_SECONDS,
          IMAGES_PER_SECOND);

  private final String name;
  private final Goal naturalGoal;

  private ObjectiveMetric(String name, Goal naturalGoal) {
    this.name = name;
    this.naturalGoal = naturalGoal;
  }

  /** The trainer's result metrics a built-in experiment may optimise, in a stable order. */
  public static List<ObjectiveMetric> values() {
    return BUILT_IN;
  }

  /**
   * The goal assumed when a file names the metric only: a loss is minimised, accuracy maximised. A
   * program's own metric has no natural goal; it is taken as {@link Goal#MAX} only where a goal was
   * stored with it (files must give one, see {@code ExperimentTreeReader}).
   */
  public Goal naturalGoal() {
    return naturalGoal;
  }

  /** Whether this is one of the trainer's result metrics ({@link #values()}). */
  public boolean isBuiltIn() {
    return BUILT_IN.contains(this);
  }

  @JsonValue
  public String configName() {
    return name;
  }

  /** One of the trainer's result metrics by name (any case). */
  @JsonCreator
  public static ObjectiveMetric parse(String value) {
    for (ObjectiveMetric metric : BUILT_IN) {
      if (metric.name.equalsIgnoreCase(value)) {
        return metric;
      }
    }
    throw new IllegalArgumentException("must be one of " + allowed() + ", got '" + value + "'");
  }

  /**
   * Any metric key a program reports ({@link MetricPoint#KEY}); a built-in name gives the built-in
   * metric.
   *
   * @throws IllegalArgumentException if {@code value} is not a metric key
   */
  public static ObjectiveMetric named(String value) {
    for (ObjectiveMetric metric : BUILT_IN) {
      if (metric.name.equals(value)) {
        return metric;
      }
    }
    if (value == null || !MetricPoint.isKey(value)) {
      throw new IllegalArgumentException(
          "must be a metric key your program reports, like rmse or val_accuracy (lower case"
              + " letters, digits, '_', '.', '/', '-', starting with a letter), got '"
              + value
              + "'");
    }
    return new ObjectiveMetric(value, Goal.MAX);
  }

  static String allowed() {
    return BUILT_IN.stream().map(ObjectiveMetric::configName).collect(Collectors.joining(", "));
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ObjectiveMetric metric && metric.name.equals(name);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name);
  }

  @Override
  public String toString() {
    return name.toUpperCase(Locale.ROOT);
  }
}
