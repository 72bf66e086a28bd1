package dev.digitlab.ml.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * Counts of (true class, predicted class) pairs over K classes: row = true class, column =
 * predicted class, as in scikit-learn's {@code confusion_matrix}.
 */
public final class ConfusionMatrix {

  private final int[][] counts;

  private ConfusionMatrix(int[][] counts) {
    this.counts = counts;
  }

  /**
   * The matrix of {@code predicted[i]} against {@code actual[i]} for every i.
   *
   * @throws IllegalArgumentException if the arrays differ in length or hold a label outside {@code
   *     [0, numClasses)}
   */
  public static ConfusionMatrix of(int[] actual, int[] predicted, int numClasses) {
    return new Accumulator(numClasses).addAll(actual, predicted).build();
  }

  /**
   * A matrix from already counted cells, e.g. read back from a stored artifact.
   *
   * @throws IllegalArgumentException if {@code counts} is not square or holds a negative count
   */
  public static ConfusionMatrix ofCounts(int[][] counts) {
    Objects.requireNonNull(counts, "counts");
    int k = counts.length;
    checkNumClasses(k);
    int[][] copy = new int[k][];
    for (int a = 0; a < k; a++) {
      if (counts[a] == null || counts[a].length != k) {
        throw new IllegalArgumentException(
            "counts must be a square "
                + k
                + "x"
                + k
                + " matrix, but row "
                + a
                + " has "
                + (counts[a] == null ? "no" : counts[a].length)
                + " columns");
      }
      for (int p = 0; p < k; p++) {
        if (counts[a][p] < 0) {
          throw new IllegalArgumentException(
              "counts must not be negative, got " + counts[a][p] + " at [" + a + "][" + p + "]");
        }
      }
      copy[a] = counts[a].clone();
    }
    return new ConfusionMatrix(copy);
  }

  /** Number of classes K. */
  public int numClasses() {
    return counts.length;
  }

  /** How many examples of class {@code actual} were predicted as {@code predicted}. */
  public int count(int actual, int predicted) {
    Objects.checkIndex(actual, counts.length);
    Objects.checkIndex(predicted, counts.length);
    return counts[actual][predicted];
  }

  /** Number of examples counted. */
  public long total() {
    long total = 0;
    for (int[] row : counts) {
      for (int c : row) {
        total += c;
      }
    }
    return total;
  }

  /** Number of correctly classified examples: the diagonal's sum. */
  public long correct() {
    long correct = 0;
    for (int c = 0; c < counts.length; c++) {
      correct += counts[c][c];
    }
    return correct;
  }

  /** Number of examples whose true class is {@code c}: row {@code c}'s sum. */
  public long support(int c) {
    Objects.checkIndex(c, counts.length);
    long support = 0;
    for (int p = 0; p < counts.length; p++) {
      support += counts[c][p];
    }
    return support;
  }

  /** Number of examples predicted as class {@code c}: column {@code c}'s sum. */
  public long predictedCount(int c) {
    Objects.checkIndex(c, counts.length);
    long predicted = 0;
    for (int[] row : counts) {
      predicted += row[c];
    }
    return predicted;
  }

  /** A copy of the counts, {@code [actual][predicted]}; changing it does not change this matrix. */
  public int[][] toArray() {
    int[][] copy = new int[counts.length][];
    for (int a = 0; a < counts.length; a++) {
      copy[a] = counts[a].clone();
    }
    return copy;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ConfusionMatrix that && Arrays.deepEquals(counts, that.counts);
  }

  @Override
  public int hashCode() {
    return Arrays.deepHashCode(counts);
  }

  @Override
  public String toString() {
    return "ConfusionMatrix" + Arrays.deepToString(counts);
  }

  private static void checkNumClasses(int numClasses) {
    if (numClasses <= 0) {
      throw new IllegalArgumentException("numClasses must be positive, got " + numClasses);
    }
  }

  private static void checkLabel(String which, int label, int numClasses) {
    if (label < 0 || label >= numClasses) {
      throw new IllegalArgumentException(
          which
              + " = "
              + label
              + " is not a class label: labels must be in [0, "
              + numClasses
              + ")");
    }
  }

  /**
   * Builds a matrix one example at a time, so that the trainer can count batch by batch without
   * keeping every label. Not thread-safe.
   */
  public static final class Accumulator {

    private final int[][] counts;

    /** An empty accumulator for labels in {@code [0, numClasses)}. */
    public Accumulator(int numClasses) {
      checkNumClasses(numClasses);
      this.counts = new int[numClasses][numClasses];
    }

    /**
     * Counts one example.
     *
     * @throws IllegalArgumentException if a label is outside {@code [0, numClasses)}
     */
    public Accumulator add(int actual, int predicted) {
      checkLabel("actual label", actual, counts.length);
      checkLabel("predicted label", predicted, counts.length);
      counts[actual][predicted]++;
      return this;
    }

    /**
     * Counts one batch: {@code predicted[i]} against {@code actual[i]} for every i.
     *
     * @throws IllegalArgumentException if the arrays differ in length or hold a label outside
     *     {@code [0, numClasses)}; nothing of the batch is counted then
     */
    public Accumulator addAll(int[] actual, int[] predicted) {
      Objects.requireNonNull(actual, "actual");
      Objects.requireNonNull(predicted, "predicted");
      if (actual.length != predicted.length) {
        throw new IllegalArgumentException(
            "actual and predicted must have the same length, got "
                + actual.length
                + " actual and "
                + predicted.length
                + " predicted labels");
      }
      // Validate the whole batch first so that a bad batch leaves the counts untouched.
      for (int i = 0; i < actual.length; i++) {
        checkLabel("actual[" + i + "]", actual[i], counts.length);
        checkLabel("predicted[" + i + "]", predicted[i], counts.length);
      }
      for (int i = 0; i < actual.length; i++) {
        counts[actual[i]][predicted[i]]++;
      }
      return this;
    }

    /** The matrix counted so far; the accumulator can keep counting without changing it. */
    public ConfusionMatrix build() {
      int[][] copy = new int[counts.length][];
      for (int a = 0; a < counts.length; a++) {
        copy[a] = counts[a].clone();
      }
      return new ConfusionMatrix(copy);
    }
  }
}
