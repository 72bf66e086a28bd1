package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.DatasetSplits;
import dev.digitlab.ml.data.TrainValidation;
import dev.digitlab.protocol.pipeline.StepType;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * A stratified split of the training images: {@code ratio} of each class for training, the rest for
 * validation, drawn with {@code seed}. Records the counts per class of both parts; train steps
 * downstream hold out the same share with the same seed (see {@link TrainStep}).
 */
@Component
class SplitStep implements StepHandler {

  static final double DEFAULT_RATIO = 0.8;
  static final long DEFAULT_SEED = 42;

  private final PipelineData data;

  SplitStep(PipelineData data) {
    this.data = data;
  }

  @Override
  public StepType type() {
    return StepType.SPLIT;
  }

  @Override
  public ObjectNode run(StepContext context) {
    ObjectNode p = context.step().parameters();
    double ratio = p.path("ratio").asDouble(DEFAULT_RATIO);
    long seed = p.path("seed").asLong(DEFAULT_SEED);
    // Rounded so that 1 - 0.7 is stored as 0.3, which a train config accepts as written.
    double validationRatio = Math.round((1 - ratio) * 1e9) / 1e9;
    TrainValidation split =
        DatasetSplits.trainValidation(data.load(p).train(), validationRatio, seed);
    ObjectNode result = StepResults.object();
    IngestStep.putDataset(result, p);
    result.put("ratio", ratio);
    result.put("validationRatio", validationRatio);
    result.put("seed", seed);
    IngestStep.counts(result.putObject("train"), split.train());
    IngestStep.counts(result.putObject("validation"), split.validation());
    ObjectNode metrics = result.putObject("metrics");
    metrics.put("trainImages", split.train().size());
    metrics.put("validationImages", split.validation().size());
    context
        .log()
        .accept(
            "train " + split.train().size() + " images, validation " + split.validation().size());
    return result;
  }
}
