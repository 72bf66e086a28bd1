package dev.digitlab.server.pipelines;

import dev.digitlab.ml.export.OnnxExport;
import dev.digitlab.protocol.pipeline.StepType;
import dev.digitlab.server.trials.Trial;
import java.nio.file.Path;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * Submits the step's training config as an experiment of one trial, through the same queue as every
 * experiment, so that it runs on an embedded or remote worker and shows in the trial list; then
 * waits for the trial to end. A train step downstream of a {@code split} that does not set {@code
 * validationRatio} or {@code seed} holds out the split's share with the split's seed. Interrupting
 * the attempt (its timeout) cancels the trial ({@link StepTrial}).
 */
@Component
class TrainStep implements StepHandler {

  static final String ONNX = "model.onnx";

  private final StepTrial stepTrial;
  private final TrialModels models;

  TrainStep(StepTrial stepTrial, TrialModels models) {
    this.stepTrial = stepTrial;
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
    ObjectNode document = StepTrial.document(context, "step");
    document.set("config", config);
    StepTrial.Submitted submitted = stepTrial.submit(document, context, "trial");
    Trial trial = stepTrial.await(submitted, context, polled -> {}, "");
    ObjectNode result = StepTrial.resultHead(submitted.experiment(), trial);
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
