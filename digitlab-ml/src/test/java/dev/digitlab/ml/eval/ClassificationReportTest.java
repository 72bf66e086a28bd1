package dev.digitlab.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

class ClassificationReportTest {

  private static final Offset<Double> EXACT = within(1e-12);

  // actual    = [0, 0, 1, 1, 2, 2]
  // predicted = [0, 1, 1, 1, 0, 0]
  // matrix (rows true, columns predicted) = [[1,1,0], [0,2,0], [2,0,0]]
  //
  //   class 0: tp 1, predicted 3, support 2 -> P 1/3, R 1/2, F1 2·1/(2+3) = 0.4
  //   class 1: tp 2, predicted 3, support 2 -> P 2/3, R 1,   F1 2·2/(2+3) = 0.8
  //   class 2: tp 0, predicted 0, support 2 -> P 0 (never predicted), R 0, F1 0
  //   accuracy 3/6 = 0.5
  //   macro P (1/3 + 2/3 + 0)/3 = 1/3, macro R (1/2 + 1 + 0)/3 = 1/2, macro F1 (0.4+0.8+0)/3 = 0.4
  //   all supports are equal, so the weighted averages equal the macro ones.
  private static final ClassificationReport HAND_CASE =
      ClassificationReport.from(
          ConfusionMatrix.of(new int[] {0, 0, 1, 1, 2, 2}, new int[] {0, 1, 1, 1, 0, 0}, 3));

  @Test
  void per_class_metrics_match_the_hand_computed_values() {
    assertThat(HAND_CASE.forClass(0).precision()).isCloseTo(1.0 / 3, EXACT);
    assertThat(HAND_CASE.forClass(0).recall()).isCloseTo(0.5, EXACT);
    assertThat(HAND_CASE.forClass(0).f1()).isCloseTo(0.4, EXACT);
    assertThat(HAND_CASE.forClass(1).precision()).isCloseTo(2.0 / 3, EXACT);
    assertThat(HAND_CASE.forClass(1).recall()).isCloseTo(1.0, EXACT);
    assertThat(HAND_CASE.forClass(1).f1()).isCloseTo(0.8, EXACT);
    assertThat(HAND_CASE.perClass()).extracting(ClassMetrics::support).containsExactly(2L, 2L, 2L);
    assertThat(HAND_CASE.perClass()).extracting(ClassMetrics::classIndex).containsExactly(0, 1, 2);
  }

  @Test
  void class_never_predicted_has_zero_precision_recall_and_f1_like_sklearn() {
    assertThat(HAND_CASE.forClass(2)).isEqualTo(new ClassMetrics(2, 0.0, 0.0, 0.0, 2));
  }

  @Test
  void accuracy_and_macro_averages_match_the_hand_computed_values() {
    assertThat(HAND_CASE.accuracy()).isCloseTo(0.5, EXACT);
    assertThat(HAND_CASE.macroPrecision()).isCloseTo(1.0 / 3, EXACT);
    assertThat(HAND_CASE.macroRecall()).isCloseTo(0.5, EXACT);
    assertThat(HAND_CASE.macroF1()).isCloseTo(0.4, EXACT);
    assertThat(HAND_CASE.weightedF1()).isCloseTo(0.4, EXACT);
  }

  @Test
  void class_with_no_support_has_zero_recall_and_still_counts_in_the_macro_average() {
    // actual    = [0, 0, 0, 1], predicted = [0, 0, 1, 1], K = 3: class 2 never occurs.
    // matrix = [[2,1,0], [0,1,0], [0,0,0]]
    //   class 0: tp 2, predicted 2, support 3 -> P 1,   R 2/3, F1 4/5
    //   class 1: tp 1, predicted 2, support 1 -> P 1/2, R 1,   F1 2/3
    //   class 2: tp 0, predicted 0, support 0 -> P 0,   R 0,   F1 0
    //   macro F1 = (4/5 + 2/3 + 0)/3 = 22/45 (sklearn with labels=[0,1,2])
    //   weighted P  = (3·1 + 1·1/2 + 0)/4   = 7/8
    //   weighted R  = (3·2/3 + 1·1 + 0)/4   = 3/4 = accuracy
    //   weighted F1 = (3·4/5 + 1·2/3 + 0)/4 = 23/30
    ClassificationReport report =
        ClassificationReport.from(
            ConfusionMatrix.of(new int[] {0, 0, 0, 1}, new int[] {0, 0, 1, 1}, 3));

    assertThat(report.forClass(2)).isEqualTo(new ClassMetrics(2, 0.0, 0.0, 0.0, 0));
    assertThat(report.forClass(0).f1()).isCloseTo(0.8, EXACT);
    assertThat(report.forClass(1).f1()).isCloseTo(2.0 / 3, EXACT);
    assertThat(report.macroF1()).isCloseTo(22.0 / 45, EXACT);
    assertThat(report.macroRecall()).isCloseTo((2.0 / 3 + 1) / 3, EXACT);
    assertThat(report.weightedPrecision()).isCloseTo(7.0 / 8, EXACT);
    assertThat(report.weightedRecall()).isCloseTo(0.75, EXACT);
    assertThat(report.weightedF1()).isCloseTo(23.0 / 30, EXACT);
    assertThat(report.accuracy()).isCloseTo(0.75, EXACT);
  }

  @Test
  void perfect_predictions_score_one_everywhere() {
    int[] labels = {0, 1, 2, 2, 1, 0, 2};
    ClassificationReport report = ClassificationReport.from(ConfusionMatrix.of(labels, labels, 3));

    assertThat(report.accuracy()).isEqualTo(1.0);
    assertThat(report.macroF1()).isEqualTo(1.0);
    assertThat(report.weightedF1()).isEqualTo(1.0);
    assertThat(report.perClass())
        .allSatisfy(
            m -> {
              assertThat(m.precision()).isEqualTo(1.0);
              assertThat(m.recall()).isEqualTo(1.0);
              assertThat(m.f1()).isEqualTo(1.0);
            });
  }

  @Test
  void report_keeps_the_confusion_matrix_it_was_made_from() {
    ConfusionMatrix cm = ConfusionMatrix.of(new int[] {0, 1}, new int[] {1, 1}, 2);

    assertThat(ClassificationReport.from(cm).confusionMatrix()).isEqualTo(cm);
  }

  @Test
  void an_empty_matrix_has_no_report() {
    ConfusionMatrix empty = new ConfusionMatrix.Accumulator(10).build();

    assertThatThrownBy(() -> ClassificationReport.from(empty))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("cannot report on an empty confusion matrix: no examples were counted");
  }
}
