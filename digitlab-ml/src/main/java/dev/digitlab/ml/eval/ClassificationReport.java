package dev.digitlab.ml.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Accuracy, per-class and averaged precision, recall and F1 of a classifier, defined exactly as
 * scikit-learn's {@code precision_recall_fscore_support} and {@code classification_report} with
 * {@code labels=range(K)} and the default {@code zero_division}.
 *
 * <p>For class c with tp = {@code count(c, c)}, predicted = column c's sum and support = row c's
 * sum:
 *
 * <ul>
 *   <li>precision = tp / predicted, and 0 when the class is never predicted;
 *   <li>recall = tp / support, and 0 when the class has no support;
 *   <li>F1 = 2·tp / (support + predicted), which equals 2·P·R / (P + R) and is 0 when P + R = 0
 *       (current scikit-learn computes it from the counts in this way, too).
 * </ul>
 *
 * <p>Macro averages are the unweighted means over <em>all</em> K classes, including classes that
 * neither occur nor are predicted (they count as 0). Weighted averages weight each class by its
 * support, so weighted recall equals accuracy. Accuracy is the diagonal's sum over the total.
 */
public record ClassificationReport(
    double accuracy,
    double macroPrecision,
    double macroRecall,
    double macroF1,
    double weightedPrecision,
    double weightedRecall,
    double weightedF1,
    List<ClassMetrics> perClass,
    ConfusionMatrix confusionMatrix) {

  public ClassificationReport {
    perClass = List.copyOf(perClass);
    Objects.requireNonNull(confusionMatrix, "confusionMatrix");
  }

  /**
   * The report of a confusion matrix.
   *
   * @throws IllegalArgumentException if the matrix counts no examples, where accuracy is undefined
   */
  public static ClassificationReport from(ConfusionMatrix cm) {
    Objects.requireNonNull(cm, "cm");
    long total = cm.total();
    if (total == 0) {
      throw new IllegalArgumentException(
          "cannot report on an empty confusion matrix: no examples were counted");
    }
    int k = cm.numClasses();
    List<ClassMetrics> perClass = new ArrayList<>(k);
    double sumPrecision = 0;
    double sumRecall = 0;
    double sumF1 = 0;
    double weightedPrecision = 0;
    double weightedRecall = 0;
    double weightedF1 = 0;
    for (int c = 0; c < k; c++) {
      long tp = cm.count(c, c);
      long support = cm.support(c);
      long predicted = cm.predictedCount(c);
      ClassMetrics m =
          new ClassMetrics(
              c,
              ratioOrZero(tp, predicted),
              ratioOrZero(tp, support),
              ratioOrZero(2 * tp, support + predicted),
              support);
      perClass.add(m);
      sumPrecision += m.precision();
      sumRecall += m.recall();
      sumF1 += m.f1();
      weightedPrecision += m.precision() * support;
      weightedRecall += m.recall() * support;
      weightedF1 += m.f1() * support;
    }
    // The supports add up to the total, so the weights' sum is never 0 here.
    return new ClassificationReport(
        (double) cm.correct() / total,
        sumPrecision / k,
        sumRecall / k,
        sumF1 / k,
        weightedPrecision / total,
        weightedRecall / total,
        weightedF1 / total,
        perClass,
        cm);
  }

  /** The metrics of class {@code c}. */
  public ClassMetrics forClass(int c) {
    return perClass.get(c);
  }

  // scikit-learn's default zero_division ("warn") yields 0 for an undefined ratio.
  private static double ratioOrZero(long numerator, long denominator) {
    return denominator == 0 ? 0.0 : (double) numerator / denominator;
  }
}
