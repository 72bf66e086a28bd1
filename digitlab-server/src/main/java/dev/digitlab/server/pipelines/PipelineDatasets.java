package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.pipeline.InvalidPipelineException;
import dev.digitlab.protocol.pipeline.PipelineSpec;
import dev.digitlab.protocol.pipeline.StepSpec;
import dev.digitlab.protocol.pipeline.StepType;
import dev.digitlab.server.datasets.DatasetRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * Resolves the datasets a pipeline's steps name when it is submitted, as an experiment's are: a
 * name the server does not know is refused (naming those it does) before anything is stored, and an
 * {@code ingest}, {@code split} or {@code eda} step on a registered dataset gets its digest as
 * {@code datasetSha256}, so the step reads exactly the files the name meant at submission (a spec
 * that gives another digest is refused). A {@code train} step's dataset is resolved by the
 * experiment it submits ({@code ExperimentSubmission}), which records the digest in its spec.
 */
@Component
class PipelineDatasets {

  /** The steps the server runs itself on a dataset's files. */
  private static final Set<StepType> READERS =
      Set.of(StepType.INGEST, StepType.SPLIT, StepType.EDA);

  private final DatasetRegistry registry;

  PipelineDatasets(DatasetRegistry registry) {
    this.registry = registry;
  }

  /**
   * {@code spec} with each reading step's registered dataset resolved to its digest.
   *
   * @throws InvalidPipelineException naming every step whose dataset is unknown or whose digest is
   *     not the server's
   */
  PipelineSpec resolve(PipelineSpec spec) {
    List<FieldError> problems = new ArrayList<>();
    List<StepSpec> steps = new ArrayList<>();
    for (StepSpec step : spec.steps()) {
      boolean reader = READERS.contains(step.type());
      if (!reader && step.type() != StepType.TRAIN) {
        steps.add(step);
        continue;
      }
      ObjectNode p = step.parameters();
      String name = p.path("dataset").asString("mnist");
      String path = "steps." + step.name() + ".parameters.";
      String who = "step '" + step.name() + "': ";
      String unknown = registry.unknownProblem(name);
      if (unknown != null) {
        problems.add(new FieldError(path + "dataset", who + unknown));
        steps.add(step);
        continue;
      }
      if (!reader) {
        steps.add(step);
        continue;
      }
      String given = p.path("datasetSha256").asString(null);
      var registered = registry.find(name);
      if (registered.isEmpty()) {
        if (given != null) {
          problems.add(
              new FieldError(
                  path + "datasetSha256",
                  who
                      + "'"
                      + DatasetId.byName(name).id()
                      + "' is a built-in dataset; leave datasetSha256 out"));
        }
        steps.add(step);
        continue;
      }
      String sha = registered.get().dataset().sha256();
      if (given != null && !given.equals(sha)) {
        problems.add(
            new FieldError(
                path + "datasetSha256",
                who
                    + "this server's dataset '"
                    + name
                    + "' has digest "
                    + sha
                    + ", not "
                    + given
                    + ": it holds other files; register the pipeline's dataset under another"
                    + " name"));
      }
      p.put("datasetSha256", sha);
      steps.add(
          new StepSpec(
              step.name(),
              step.type(),
              p,
              step.dependsOn(),
              step.maxAttempts(),
              step.backoff(),
              step.timeout(),
              step.faults(),
              step.sweepParameter(),
              step.sweepValue()));
    }
    if (!problems.isEmpty()) {
      throw new InvalidPipelineException(problems);
    }
    return new PipelineSpec(spec.name(), spec.description(), spec.maxParallelSteps(), steps);
  }

  /**
   * In the transaction that stores the run: locks the registration of every dataset a step names (a
   * reading step's at the digest {@link #resolve} recorded) until the run is stored, so that a
   * concurrent delete of one waits and then sees the run (a 409) instead of removing its files
   * first; a 409 when one was deleted or replaced since it was resolved.
   */
  void hold(PipelineSpec spec) {
    for (StepSpec step : spec.steps()) {
      if (READERS.contains(step.type()) || step.type() == StepType.TRAIN) {
        ObjectNode p = step.parameters();
        registry.holdForUse(
            p.path("dataset").asString("mnist"), p.path("datasetSha256").asString(null));
      }
    }
  }
}
