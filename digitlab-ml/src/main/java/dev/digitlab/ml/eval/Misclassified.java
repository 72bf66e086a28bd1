package dev.digitlab.ml.eval;

/**
 * A test example the model got wrong: its position in the test set, its true and predicted classes,
 * and the probability the model gave its (wrong) prediction.
 */
public record Misclassified(int index, int actual, int predicted, float confidence) {

  public Misclassified {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative, got " + index);
    }
    if (actual == predicted) {
      throw new IllegalArgumentException(
          "example " + index + " is not misclassified: actual and predicted are both " + actual);
    }
    if (!(confidence >= 0f && confidence <= 1f)) {
      throw new IllegalArgumentException(
          "confidence must be a probability in [0, 1], got " + confidence);
    }
  }
}
