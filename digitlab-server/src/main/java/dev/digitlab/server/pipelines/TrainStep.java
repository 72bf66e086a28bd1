package dev.digitlab.server.pipelines;

import dev.digitlab.ml.export.OnnxExport;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.ExperimentSpec;
import dev.digitlab.protocol.pipeline.StepType;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.ExperimentSubmission;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * Submits the step's training config as an experiment of one trial, through the same queue as every
 * experiment, so that it runs on an embedded or remote worker and shows in the trial list; then
 * waits for the trial to end. A train step downstream of a {@code split} that does not set {@code
 * validationRatio} or {@code seed} holds out the split's share with the split's seed. Interrupting
 * the attempt (its timeout) cancels the trial.
 */
@Component
class TrainStep implements StepHandler {

  static final String ONNX = "model.onnx";

  private static final Duration POLL = Duration.ofMillis(200);

  private final ExperimentSubmission submission;
  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final TrialModels models;
  private final ExperimentFiles files = new ExperimentFiles();

  TrainStep(
      ExperimentSubmission submission,
      ExperimentStore experiments,
      TrialStore trials,
      TrialModels models) {
    this.submission = submission;
    this.experiments = experiments;
    this.trials = trials;
    this.models = models;
  }

  @Override
  public StepType type() {
    return StepType.TRAIN;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    ObjectNode config = context.step().parameters();
    for (PipelineStep dependency : context.dependencies()) {
      if (dependency.type().equals(StepType.SPLIT.configName())) {
        ObjectNode split = (ObjectNode) StepResults.read(dependency.result());
        if (!config.has("validationRatio")) {
          config.put("validationRatio", split.path("validationRatio").asDouble());
        }
        if (!config.has("seed")) {
          config.put("seed", split.path("seed").asLong());
        }
      }
    }
    ObjectNode document = StepResults.object();
    document.put("name", context.run().name() + "/" + context.step().name());
    document.put(
        "description",
        "step '" + context.step().name() + "' of pipeline run " + context.run().id());
    document.putArray("tags").add("pipeline");
    document.set("config", config);
    ExperimentSpec spec = files.fromTree(document);
    // The pipeline's experiments are its owner's: they may cancel them as their own.
    Experiment experiment = submission.submit(spec, context.run().owner());
    Trial trial = trials.listByExperiment(experiment.id()).getFirst();
    context.trials().record(trial.id());
    context.log().accept("queued trial " + trial.id() + " (experiment " + experiment.id() + ")");
    TrialStatus seen = trial.status();
    try {
      while (!trial.status().isTerminal()) {
        Thread.sleep(POLL);
        trial = trials.get(trial.id());
        if (trial.status() != seen) {
          seen = trial.status();
          context.log().accept("trial " + trial.id() + " " + seen.dbValue());
        }
      }
    } catch (InterruptedException e) {
      experiments.cancel(experiment.id());
      context.log().accept("cancelled trial " + trial.id());
      throw e;
    }
    if (trial.status() != TrialStatus.SUCCEEDED) {
      throw new IllegalStateException(
          "trial "
              + trial.id()
              + " "
              + trial.status().dbValue()
              + (trial.failureReason() == null ? "" : ": " + trial.failureReason()));
    }
    ObjectNode result = StepResults.object();
    result.put("trialId", trial.id());
    result.put("experimentId", experiment.id());
    result.put("trialAttempt", trial.attempt());
    ObjectNode metrics = result.putObject("metrics");
    if (trial.testAccuracy() != null) {
      metrics.put("accuracy", trial.testAccuracy());
    }
    if (trial.testF1Macro() != null) {
      metrics.put("f1Macro", trial.testF1Macro());
    }
    if (trial.trainSeconds() != null) {
      metrics.put("trainSeconds", trial.trainSeconds());
    }
    // The trained model in ONNX too, for use outside Digit Lab (and in the step's files).
    Path model = models.modelFile(trial).orElse(null);
    if (model != null) {
      OnnxExport.export(model, context.directory().resolve(ONNX));
      result.putArray("files").add(ONNX);
      context.log().accept("exported the model to " + ONNX);
    }
    return result;
  }
}
