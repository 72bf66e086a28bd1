package dev.digitlab.ml.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.eval.ClassificationReport;
import dev.digitlab.ml.eval.ConfusionMatrix;
import dev.digitlab.ml.eval.RocAuc;
import dev.digitlab.ml.model.GlobalGenerator;
import dev.digitlab.ml.model.ModelSpec;
import dev.digitlab.ml.model.NetworkBuilder;
import java.nio.file.Path;

/**
 * Evaluates a saved model file (what {@link Trainer} writes as {@link TrainingOutputs#modelFile()})
 * on an image set: the classification report with its confusion matrix, and one-vs-rest ROC AUC per
 * class from the softmax probabilities.
 */
public final class ModelBenchmark {

  private ModelBenchmark() {}

  /** What a benchmark measured. */
  public record Result(TrainingConfig config, ClassificationReport report, double[] rocAuc) {

    public Result {
      rocAuc = rocAuc.clone();
    }

    @Override
    public double[] rocAuc() {
      return rocAuc.clone();
    }

    /** The mean of the per-class AUCs that are defined (a class absent from the set has none). */
    public double macroRocAuc() {
      return java.util.Arrays.stream(rocAuc)
          .filter(v -> !Double.isNaN(v))
          .average()
          .orElse(Double.NaN);
    }
  }

  /**
   * Loads {@code modelFile} and runs it over {@code set} in inference mode.
   *
   * @throws IllegalArgumentException if the file is not a Digit Lab model
   */
  public static Result evaluate(Path modelFile, ImageSet set) {
    TrainingConfig config = CheckpointFile.readHeader(modelFile).config();
    int k = ModelSpec.CLASSES;
    int n = set.size();
    float[] probabilities = probabilities(modelFile, set);
    int[] actual = new int[n];
    int[] predicted = new int[n];
    for (int i = 0; i < n; i++) {
      actual[i] = set.label(i);
      int best = 0;
      for (int c = 1; c < k; c++) {
        if (probabilities[i * k + c] > probabilities[i * k + best]) {
          best = c;
        }
      }
      predicted[i] = best;
    }
    return new Result(
        config,
        ClassificationReport.from(ConfusionMatrix.of(actual, predicted, k)),
        RocAuc.oneVsRest(probabilities, k, actual));
  }

  /**
   * The model's softmax probabilities for every image of {@code set}, {@code n × 10} in row order.
   *
   * @throws IllegalArgumentException if the file is not a Digit Lab model
   */
  public static float[] probabilities(Path modelFile, ImageSet set) {
    ModelSpec spec = CheckpointFile.readHeader(modelFile).modelSpec();
    Block block = NetworkBuilder.build(spec);
    Engine engine = Engine.getEngine(Trainer.ENGINE);
    int k = ModelSpec.CLASSES;
    int n = set.size();
    try (NDManager root = NDManager.newBaseManager(engine.defaultDevice(), Trainer.ENGINE)) {
      // Initialisers draw from libtorch's global generator, which training trials share.
      GlobalGenerator.run(
          () -> block.initialize(root, DataType.FLOAT32, new Shape(1, 1, set.rows(), set.cols())));
      CheckpointFile.read(modelFile, block, root);
      ParameterStore parameters = new ParameterStore(root, false);
      BatchFeeder feeder =
          new BatchFeeder(set, Evaluator.BATCH, NetworkBuilder.prefersChannelsLast(spec), root);
      float[] probabilities = new float[n * k];
      for (int from = 0; from < n; from += Evaluator.BATCH) {
        int size = Math.min(Evaluator.BATCH, n - from);
        try (NDManager batch = root.newSubManager()) {
          NDArray x = feeder.slice(batch, from, size);
          NDArray logits = block.forward(parameters, new NDList(x), false).singletonOrThrow();
          float[] p = logits.softmax(1).toFloatArray();
          System.arraycopy(p, 0, probabilities, from * k, size * k);
        }
      }
      return probabilities;
    }
  }
}
