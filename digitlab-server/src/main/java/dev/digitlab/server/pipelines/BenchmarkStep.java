package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.eval.ClassMetrics;
import dev.digitlab.ml.train.CheckpointFile;
import dev.digitlab.ml.train.ModelBenchmark;
import dev.digitlab.protocol.pipeline.StepType;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.nio.file.Path;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Evaluates the model of the train step it depends on, on the test set of the dataset it was
 * trained on: accuracy, macro-F1, one-vs-rest ROC AUC per class and the confusion matrix. The model
 * file is the trial's, fetched from the shared artifact store when another server wrote it.
 */
@Component
class BenchmarkStep implements StepHandler {

  private final PipelineData data;
  private final TrialStore trials;
  private final TrialModels models;

  BenchmarkStep(PipelineData data, TrialStore trials, TrialModels models) {
    this.data = data;
    this.trials = trials;
    this.models = models;
  }

  @Override
  public StepType type() {
    return StepType.BENCHMARK;
  }

  @Override
  public ObjectNode run(StepContext context) throws Exception {
    PipelineStep train =
        context.dependencies().stream()
            .filter(d -> d.type().equals(StepType.TRAIN.configName()))
            .findFirst()
            .orElseThrow(() -> new IllegalStateException("a benchmark needs a train step"));
    long trialId = StepResults.read(train.result()).path("trialId").asLong();
    Trial trial = trials.get(trialId);
    Path model =
        models
            .modelFile(trial)
            .orElseThrow(
                () -> new IllegalStateException("trial " + trialId + " left no model file"));
    String dataset = CheckpointFile.readHeader(model).config().dataset();
    ModelBenchmark.Result measured = ModelBenchmark.evaluate(model, data.testSet(dataset));
    ObjectNode result = StepResults.object();
    result.put("trialId", trialId);
    result.put("dataset", DatasetId.find(dataset).map(DatasetId::id).orElse(dataset));
    result.put("images", measured.report().confusionMatrix().total());
    ObjectNode metrics = result.putObject("metrics");
    metrics.put("accuracy", measured.report().accuracy());
    metrics.put("f1Macro", measured.report().macroF1());
    StepResults.put(metrics, "rocAucMacro", measured.macroRocAuc());
    ArrayNode auc = result.putArray("rocAuc");
    for (double v : measured.rocAuc()) {
      // A class absent from the test set has no AUC; JSON has no NaN.
      if (Double.isNaN(v)) {
        auc.addNull();
      } else {
        auc.add(v);
      }
    }
    ArrayNode f1 = result.putArray("f1PerClass");
    for (ClassMetrics c : measured.report().perClass()) {
      f1.add(c.f1());
    }
    ArrayNode matrix = result.putArray("confusionMatrix");
    for (int[] row : measured.report().confusionMatrix().toArray()) {
      ArrayNode r = matrix.addArray();
      for (int count : row) {
        r.add(count);
      }
    }
    context
        .log()
        .accept(
            String.format(
                java.util.Locale.ROOT,
                "trial %d on %d test images: accuracy %.4f, macro-F1 %.4f, macro ROC AUC %.4f",
                trialId,
                measured.report().confusionMatrix().total(),
                measured.report().accuracy(),
                measured.report().macroF1(),
                measured.macroRocAuc()));
    return result;
  }
}
