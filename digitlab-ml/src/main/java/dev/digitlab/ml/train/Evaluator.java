package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.eval.ClassificationReport;
import dev.digitlab.ml.eval.ConfusionMatrix;
import dev.digitlab.ml.eval.MisclassifiedCollector;
import dev.digitlab.ml.model.ModelSpec;
import java.util.IdentityHashMap;
import java.util.Map;

/** Runs a network in inference mode over a whole image set: loss, predictions, confidences. */
final class Evaluator {

  /** Images per forward pass; large batches amortise the per-call overhead. */
  static final int BATCH = 1000;

  /** Misclassified test images kept (MNIST's test set has 10,000 images: keep them all). */
  static final int MISCLASSIFIED_KEPT = 10_000;

  private final Block block;
  private final NDManager root;
  private final ParameterStore parameters;
  private final boolean channelsLast;
  private final Map<ImageSet, BatchFeeder> feeders = new IdentityHashMap<>();

  Evaluator(Block block, ParameterStore parameters, boolean channelsLast, NDManager root) {
    this.block = block;
    this.channelsLast = channelsLast;
    this.root = root;
    this.parameters = parameters;
  }

  /** Predictions over a set, in the set's order. */
  record Outcome(double loss, int[] actual, int[] predicted, float[] confidence) {

    double accuracy() {
      int correct = 0;
      for (int i = 0; i < actual.length; i++) {
        if (actual[i] == predicted[i]) {
          correct++;
        }
      }
      return actual.length == 0 ? 0 : correct / (double) actual.length;
    }
  }

  Outcome evaluate(ImageSet set) {
    BatchFeeder feeder =
        feeders.computeIfAbsent(set, s -> new BatchFeeder(s, BATCH, channelsLast, root));
    int n = set.size();
    int k = ModelSpec.CLASSES;
    int[] actual = new int[n];
    for (int i = 0; i < n; i++) {
      actual[i] = set.label(i);
    }
    int[] predicted = new int[n];
    float[] confidence = new float[n];
    double lossSum = 0;
    for (int from = 0; from < n; from += BATCH) {
      int size = Math.min(BATCH, n - from);
      try (NDManager batch = root.newSubManager()) {
        NDArray x = feeder.slice(batch, from, size);
        NDArray logits = block.forward(parameters, new NDList(x), false).singletonOrThrow();
        float[] logProbabilities = logits.logSoftmax(1).toFloatArray();
        for (int i = 0; i < size; i++) {
          int best = 0;
          for (int c = 1; c < k; c++) {
            if (logProbabilities[i * k + c] > logProbabilities[i * k + best]) {
              best = c;
            }
          }
          predicted[from + i] = best;
          confidence[from + i] = (float) Math.exp(logProbabilities[i * k + best]);
          lossSum -= logProbabilities[i * k + actual[from + i]];
        }
      }
    }
    return new Outcome(n == 0 ? 0 : lossSum / n, actual, predicted, confidence);
  }

  TestMetrics test(ImageSet set) {
    Outcome outcome = evaluate(set);
    ConfusionMatrix.Accumulator confusion = new ConfusionMatrix.Accumulator(ModelSpec.CLASSES);
    MisclassifiedCollector mistakes = new MisclassifiedCollector(MISCLASSIFIED_KEPT);
    for (int i = 0; i < outcome.actual().length; i++) {
      confusion.add(outcome.actual()[i], outcome.predicted()[i]);
      mistakes.offer(i, outcome.actual()[i], outcome.predicted()[i], outcome.confidence()[i]);
    }
    return new TestMetrics(
        outcome.loss(),
        ClassificationReport.from(confusion.build()),
        mistakes.mistakes(),
        mistakes.mostConfident(MISCLASSIFIED_KEPT));
  }
}
