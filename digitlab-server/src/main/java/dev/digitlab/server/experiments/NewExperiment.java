package dev.digitlab.server.experiments;

import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.queue.NewTrial;
import java.util.List;
import java.util.Objects;

/**
 * An experiment as submitted, with the trials its search space expanded to. {@code spec} is the
 * submitted experiment as JSON, kept verbatim so that it can be shown and cloned; {@code owner} is
 * who submitted it (a token's name, or {@code Ownership.LOCAL} / {@code SYSTEM}).
 */
public record NewExperiment(
    String name,
    String owner,
    String description,
    List<String> tags,
    String dataset,
    String spec,
    Objective objective,
    int maxParallelTrials,
    int priority,
    List<NewTrial> trials) {

  public NewExperiment {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(dataset, "dataset");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(objective, "objective");
    tags = List.copyOf(tags);
    trials = List.copyOf(trials);
    if (maxParallelTrials < 1) {
      throw new IllegalArgumentException(
          "maxParallelTrials must be at least 1, not " + maxParallelTrials);
    }
    for (String tag : tags) {
      // tags are stored comma-joined (see V1__experiments_trials_events.sql)
      if (tag.isBlank() || tag.contains(",")) {
        throw new IllegalArgumentException("A tag must be non-blank without commas: '" + tag + "'");
      }
    }
  }
}
