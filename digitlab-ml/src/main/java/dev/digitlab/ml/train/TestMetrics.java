package dev.digitlab.ml.train;

import dev.digitlab.ml.eval.ClassificationReport;
import dev.digitlab.ml.eval.Misclassified;
import java.util.List;

/**
 * The test phase: mean loss, the classification report (accuracy, per-class and macro
 * precision/recall/F1, confusion matrix) and the misclassified test images, most confident first.
 *
 * @param mistakes how many test images were misclassified (the list may keep fewer)
 */
public record TestMetrics(
    double loss, ClassificationReport report, long mistakes, List<Misclassified> misclassified) {

  public TestMetrics {
    misclassified = List.copyOf(misclassified);
  }

  /** Share of test images classified correctly. */
  public double accuracy() {
    return report.accuracy();
  }
}
