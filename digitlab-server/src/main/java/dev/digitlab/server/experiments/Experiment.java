package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.Objective;
import java.time.Instant;
import java.util.List;

/**
 * A stored experiment with the figures rolled up from its trials. The best values are null until a
 * trial succeeds with that value. {@code owner} is who created it (see {@code Ownership}).
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

  public Experiment {
    tags = List.copyOf(tags);
  }
}
