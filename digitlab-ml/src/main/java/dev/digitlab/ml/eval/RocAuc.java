package dev.digitlab.ml.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * Per-class one-vs-rest area under the ROC curve, equal to scikit-learn's {@code
 * roc_auc_score(actual == c, probabilities[:, c])} for every class c.
 *
 * <p>The area is computed as the Mann-Whitney U statistic: the probability that a random example of
 * class c scores higher than a random example of another class, counting a tie as one half. This is
 * exactly the trapezoidal area under the ROC curve, ties included.
 *
 * <p>Where scikit-learn raises "Only one class present in y_true" — class c absent from {@code
 * actual}, or every example of class c — the area is {@link Double#NaN}.
 */
public final class RocAuc {

  private RocAuc() {}

  /**
   * The area for each class from a flat, row-major {@code [n, numClasses]} array of scores (usually
   * softmax probabilities).
   *
   * @throws IllegalArgumentException if the array does not hold {@code actual.length} rows of
   *     {@code numClasses} scores, a label is outside {@code [0, numClasses)} or a score is NaN or
   *     infinite
   */
  public static double[] oneVsRest(float[] probabilities, int numClasses, int[] actual) {
    Objects.requireNonNull(probabilities, "probabilities");
    Objects.requireNonNull(actual, "actual");
    if (numClasses <= 0) {
      throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
    }
    if (probabilities.length != (long) actual.length * numClasses) {
      throw new IllegalArgumentException(
          "expected "
              + actual.length
              + " rows of "
              + numClasses
              + " scores ("
              + (long) actual.length * numClasses
              + " values) but got "
              + probabilities.length
              + " values");
    }
    for (int i = 0; i < actual.length; i++) {
      if (actual[i] < 0 || actual[i] >= numClasses) {
        throw new IllegalArgumentException(
            "actual["
                + i
                + "] = "
                + actual[i]
                + " is not a class label: labels must be in [0, "
                + numClasses
                + ")");
      }
    }
    for (int j = 0; j < probabilities.length; j++) {
      // scikit-learn rejects such input too ("Input contains NaN / infinity").
      if (!Float.isFinite(probabilities[j])) {
        throw new IllegalArgumentException(
            "score of example "
                + j / numClasses
                + ", class "
                + j % numClasses
                + " is not finite: "
                + probabilities[j]);
      }
    }
    double[] areas = new double[numClasses];
    float[] column = new float[actual.length];
    for (int c = 0; c < numClasses; c++) {
      for (int i = 0; i < actual.length; i++) {
        // Adding +0 turns -0 into +0: numpy compares them equal, Arrays.sort would not.
        column[i] = probabilities[i * numClasses + c] + 0f;
      }
      areas[c] = area(column, actual, c);
    }
    return areas;
  }

  /**
   * The area for each class from one row of {@code K} scores per example; see {@link
   * #oneVsRest(float[], int, int[])}.
   */
  public static double[] oneVsRest(float[][] probabilities, int[] actual) {
    Objects.requireNonNull(probabilities, "probabilities");
    if (probabilities.length == 0) {
      throw new IllegalArgumentException("probabilities must hold at least one row");
    }
    int k = probabilities[0].length;
    float[] flat = new float[probabilities.length * k];
    for (int i = 0; i < probabilities.length; i++) {
      if (probabilities[i].length != k) {
        throw new IllegalArgumentException(
            "every row must hold "
                + k
                + " scores like row 0, but row "
                + i
                + " holds "
                + probabilities[i].length);
      }
      System.arraycopy(probabilities[i], 0, flat, i * k, k);
    }
    return oneVsRest(flat, k, actual);
  }

  /** U / (positives · negatives), with U from the positives' average ranks among all scores. */
  private static double area(float[] scores, int[] actual, int positiveClass) {
    float[] sorted = scores.clone();
    Arrays.sort(sorted);
    long positives = 0;
    double positiveRankSum = 0;
    for (int i = 0; i < scores.length; i++) {
      if (actual[i] == positiveClass) {
        positives++;
        // Tied scores share the mean of the 1-based ranks they span: (first + last) / 2.
        int below = firstIndexNotBelow(sorted, scores[i]);
        int upToEqual = firstIndexAbove(sorted, scores[i]);
        positiveRankSum += (below + 1 + upToEqual) / 2.0;
      }
    }
    long negatives = scores.length - positives;
    if (positives == 0 || negatives == 0) {
      return Double.NaN;
    }
    double u = positiveRankSum - positives * (positives + 1) / 2.0;
    return u / ((double) positives * negatives);
  }

  private static int firstIndexNotBelow(float[] sorted, float value) {
    int low = 0;
    int high = sorted.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (sorted[mid] < value) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  private static int firstIndexAbove(float[] sorted, float value) {
    int low = 0;
    int high = sorted.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (sorted[mid] <= value) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }
}
