package dev.digitlab.protocol.experiment;

import java.util.Objects;

/** What an experiment optimises: a metric and whether larger or smaller is better. */
public record Objective(ObjectiveMetric metric, Goal goal) {

  /** Maximise the test macro-F1, the default of every experiment. */
  public static final Objective DEFAULT = new Objective(ObjectiveMetric.TEST_F1_MACRO, Goal.MAX);

  /** A null goal takes the metric's natural one, so {@code metric: test_loss} alone minimises. */
  public Objective {
    Objects.requireNonNull(metric, "metric");
    goal = goal == null ? metric.naturalGoal() : goal;
  }
}
