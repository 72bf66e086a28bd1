package dev.digitlab.ml.eval;

import java.util.Objects;

/** Class probabilities from a classifier's raw scores (logits). */
public final class Probabilities {

  private Probabilities() {}

  /**
   * The softmax of {@code logits[offset .. offset + k)}, e.g. one row of a batch's flat {@code
   * [batch, k]} output.
   *
   * <p>Stable for large logits: the maximum is subtracted before exponentiating, so that no term
   * overflows, and the sum is taken in double precision.
   *
   * @throws IllegalArgumentException if {@code k} is not positive or a logit is NaN or infinite
   * @throws IndexOutOfBoundsException if the row does not fit in {@code logits}
   */
  public static float[] softmax(float[] logits, int offset, int k) {
    checkRow(logits, offset, k);
    float max = logits[offset + argmax(logits, offset, k)];
    double[] exps = new double[k];
    double sum = 0;
    for (int j = 0; j < k; j++) {
      exps[j] = Math.exp((double) logits[offset + j] - max);
      sum += exps[j];
    }
    float[] probabilities = new float[k];
    for (int j = 0; j < k; j++) {
      probabilities[j] = (float) (exps[j] / sum);
    }
    return probabilities;
  }

  /** The softmax of all of {@code logits}; see {@link #softmax(float[], int, int)}. */
  public static float[] softmax(float[] logits) {
    return softmax(logits, 0, logits.length);
  }

  /**
   * The position, in {@code [0, k)}, of the largest of {@code values[offset .. offset + k)}; the
   * first one on a tie, as numpy's {@code argmax}.
   *
   * @throws IllegalArgumentException if {@code k} is not positive or a value is NaN or infinite
   * @throws IndexOutOfBoundsException if the row does not fit in {@code values}
   */
  public static int argmax(float[] values, int offset, int k) {
    checkRow(values, offset, k);
    int best = 0;
    for (int j = 1; j < k; j++) {
      if (values[offset + j] > values[offset + best]) {
        best = j;
      }
    }
    return best;
  }

  private static void checkRow(float[] values, int offset, int k) {
    Objects.requireNonNull(values, "values");
    if (k <= 0) {
      throw new IllegalArgumentException("k must be positive, got " + k);
    }
    Objects.checkFromIndexSize(offset, k, values.length);
    for (int j = offset; j < offset + k; j++) {
      // A diverged model produces NaN or infinite logits; fail loudly rather than report NaN.
      if (!Float.isFinite(values[j])) {
        throw new IllegalArgumentException("logit at index " + j + " is not finite: " + values[j]);
      }
    }
  }
}
