package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.queue.ExternalTrials;
import java.time.Instant;
import java.util.List;

/**
 * A stored experiment with the figures rolled up from its trials. The best values are null until a
 * trial succeeds with that value. {@code owner} is who created it (see {@code Ownership}). {@code
 * objective} is null for an experiment stored with the objective metric {@link #NO_OBJECTIVE}: what
 * MLflow experiments (runs logged from outside, optimising nothing) had before they were given the
 * default objective, and still have in a database made then.
 */
public record Experiment(
    long id,
    String name,
    String owner,
    String description,
    List<String> tags,
    String dataset,
    String spec,
    Objective objective,
    int maxParallelTrials,
    int priority,
    ExperimentStatus status,
    Long bestTrialId,
    Double bestObjective,
    Double bestTestAccuracy,
    Double bestTestF1Macro,
    double totalTrainSeconds,
    Instant createdAt,
    Instant updatedAt) {

  /** The objective metric stored for an experiment without an objective. */
  public static final String NO_OBJECTIVE = "none";

  public Experiment {
    tags = List.copyOf(tags);
  }

  /**
   * Whether it was made through the MLflow API (dataset {@code external}, the Default experiment
   * among them): its runs are logged by users' scripts, none is trained nor stopped by Digit Lab.
   */
  public boolean mlflow() {
    return ExternalTrials.EXPERIMENT_DATASET.equals(dataset);
  }

  /** The objective's metric as pages and the API name it, {@link #NO_OBJECTIVE} without one. */
  public String objectiveMetricName() {
    return objective == null ? NO_OBJECTIVE : objective.metric().configName();
  }

  /** The objective's goal as pages and the API name it ({@code max} without an objective). */
  public String objectiveGoalName() {
    return objective == null ? Goal.MAX.configName() : objective.goal().configName();
  }
}
