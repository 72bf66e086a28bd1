package dev.digitlab.server.experiments;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;
import dev.digitlab.server.trials.TrialView;
import java.time.Instant;
import java.util.List;

/**
 * An experiment as the API shows it; {@code owner} is the name of the token that created it. {@code
 * spec} (the submitted experiment, as JSON) and {@code trials} are only in the experiment's own
 * resource, not in lists.
 */
@JsonInclude(JsonInclude.Include.NON_ABSENT)
record ExperimentView(
    long id,
    String name,
    String owner,
    String description,
    List<String> tags,
    String dataset,
    String status,
    ObjectiveView objective,
    int maxParallelTrials,
    int priority,
    Counts trialCounts,
    Long bestTrialId,
    Double bestObjective,
    Double bestTestAccuracy,
    Double bestTestF1Macro,
    double totalTrainSeconds,
    Instant createdAt,
    Instant updatedAt,
    @JsonInclude(JsonInclude.Include.NON_NULL) @JsonRawValue String spec,
    @JsonInclude(JsonInclude.Include.NON_NULL) List<TrialView> trials) {

  record ObjectiveView(String metric, String goal) {}

  /** How many of the experiment's trials are in each status. */
  record Counts(int total, int queued, int running, int succeeded, int failed, int cancelled) {

    static Counts of(TrialCounts c) {
      return new Counts(
          c.total(), c.queued(), c.running(), c.succeeded(), c.failed(), c.cancelled());
    }
  }

  static ExperimentView summary(Experiment experiment, TrialCounts counts) {
    return of(experiment, counts, null, null);
  }

  static ExperimentView detail(Experiment experiment, TrialCounts counts, List<TrialView> trials) {
    return of(experiment, counts, experiment.spec(), trials);
  }

  private static ExperimentView of(
      Experiment e, TrialCounts counts, String spec, List<TrialView> trials) {
    return new ExperimentView(
        e.id(),
        e.name(),
        e.owner(),
        e.description(),
        e.tags(),
        e.dataset(),
        e.status().dbValue(),
        new ObjectiveView(e.objective().metric().configName(), e.objective().goal().configName()),
        e.maxParallelTrials(),
        e.priority(),
        Counts.of(counts),
        e.bestTrialId(),
        e.bestObjective(),
        e.bestTestAccuracy(),
        e.bestTestF1Macro(),
        e.totalTrainSeconds(),
        e.createdAt(),
        e.updatedAt(),
        spec,
        trials);
  }
}
