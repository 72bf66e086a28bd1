package dev.digitlab.server.experiments;

import java.util.Locale;
import java.util.Objects;

/** What an experiment optimises: a metric and whether more or less is better. */
public record Objective(String metric, Goal goal) {

  /** Maximise test macro-F1, the default objective. */
  public static final Objective DEFAULT = new Objective("test_f1_macro", Goal.MAX);

  public Objective {
    Objects.requireNonNull(metric, "metric");
    Objects.requireNonNull(goal, "goal");
    if (metric.isBlank()) {
      throw new IllegalArgumentException("The objective needs a metric name");
    }
  }

  /** Whether the best value is the largest or the smallest. */
  public enum Goal {
    MAX,
    MIN;

    public String dbValue() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Goal fromDb(String value) {
      return valueOf(value.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * The trial column holding this objective's value. Test accuracy and macro-F1 have their own
   * columns; any other metric is the trial's best value of it, as its worker reported.
   */
  public String trialColumn() {
    return switch (metric) {
      case "test_accuracy" -> "test_accuracy";
      case "test_f1_macro" -> "test_f1_macro";
      default -> "best_metric";
    };
  }
}
