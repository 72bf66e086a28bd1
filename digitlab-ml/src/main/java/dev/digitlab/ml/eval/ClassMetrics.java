package dev.digitlab.ml.eval;

/**
 * Precision, recall and F1 of one class against the rest, with its support (number of true
 * examples), as in one row of scikit-learn's {@code classification_report}.
 */
public record ClassMetrics(
    int classIndex, double precision, double recall, double f1, long support) {

  public ClassMetrics {
    if (classIndex < 0) {
      throw new IllegalArgumentException("classIndex must not be negative, got " + classIndex);
    }
    if (support < 0) {
      throw new IllegalArgumentException("support must not be negative, got " + support);
    }
  }
}
