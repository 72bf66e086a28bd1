package dev.digitlab.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConfusionMatrixTest {

  // actual    = [0, 0, 1, 1, 2, 2]
  // predicted = [0, 1, 1, 1, 0, 0]
  // rows = true class, columns = predicted class:
  //   class 0: one predicted 0, one predicted 1
  //   class 1: both predicted 1
  //   class 2: both predicted 0
  private static final int[] ACTUAL = {0, 0, 1, 1, 2, 2};
  private static final int[] PREDICTED = {0, 1, 1, 1, 0, 0};

  @Test
  void rows_are_true_classes_and_columns_are_predicted_classes() {
    ConfusionMatrix cm = ConfusionMatrix.of(ACTUAL, PREDICTED, 3);

    assertThat(cm.toArray()).isDeepEqualTo(new int[][] {{1, 1, 0}, {0, 2, 0}, {2, 0, 0}});
    assertThat(cm.count(2, 0)).isEqualTo(2);
    assertThat(cm.count(0, 2)).isZero();
    assertThat(cm.numClasses()).isEqualTo(3);
  }

  @Test
  void totals_rows_columns_and_diagonal() {
    ConfusionMatrix cm = ConfusionMatrix.of(ACTUAL, PREDICTED, 3);

    assertThat(cm.total()).isEqualTo(6);
    assertThat(cm.correct()).isEqualTo(3);
    assertThat(cm.support(0)).isEqualTo(2);
    assertThat(cm.predictedCount(0)).isEqualTo(3);
    assertThat(cm.predictedCount(2)).isZero();
  }

  @Test
  void accumulating_batch_by_batch_equals_counting_all_at_once() {
    ConfusionMatrix.Accumulator accumulator = new ConfusionMatrix.Accumulator(3);
    accumulator.addAll(new int[] {0, 0}, new int[] {0, 1});
    accumulator.add(1, 1).add(1, 1);
    accumulator.addAll(new int[] {2, 2}, new int[] {0, 0});

    ConfusionMatrix all = ConfusionMatrix.of(ACTUAL, PREDICTED, 3);
    assertThat(accumulator.build()).isEqualTo(all).hasSameHashCodeAs(all);
  }

  @Test
  void a_built_matrix_does_not_change_when_the_accumulator_keeps_counting() {
    ConfusionMatrix.Accumulator accumulator = new ConfusionMatrix.Accumulator(2).add(0, 0);
    ConfusionMatrix first = accumulator.build();

    accumulator.add(1, 0);

    assertThat(first.total()).isEqualTo(1);
    assertThat(accumulator.build().total()).isEqualTo(2);
  }

  @Test
  void changing_the_returned_array_does_not_change_the_matrix() {
    ConfusionMatrix cm = ConfusionMatrix.of(ACTUAL, PREDICTED, 3);

    cm.toArray()[0][0] = 99;

    assertThat(cm.count(0, 0)).isEqualTo(1);
  }

  @Test
  void matrix_from_counts_equals_matrix_from_labels_and_keeps_its_own_copy() {
    int[][] counts = {{1, 1, 0}, {0, 2, 0}, {2, 0, 0}};
    ConfusionMatrix cm = ConfusionMatrix.ofCounts(counts);
    counts[0][0] = 99;

    assertThat(cm).isEqualTo(ConfusionMatrix.of(ACTUAL, PREDICTED, 3));
  }

  @Test
  void labels_of_different_lengths_are_rejected() {
    assertThatThrownBy(() -> ConfusionMatrix.of(new int[] {0, 1}, new int[] {0}, 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "actual and predicted must have the same length, got 2 actual and 1 predicted labels");
  }

  @Test
  void a_label_out_of_range_is_rejected_with_its_position() {
    assertThatThrownBy(() -> ConfusionMatrix.of(new int[] {0, 1, 10}, new int[] {0, 1, 2}, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actual[2] = 10 is not a class label: labels must be in [0, 10)");
    assertThatThrownBy(() -> ConfusionMatrix.of(new int[] {0, 1}, new int[] {-1, 1}, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("predicted[0] = -1 is not a class label: labels must be in [0, 10)");
    assertThatThrownBy(() -> new ConfusionMatrix.Accumulator(3).add(0, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("predicted label = 3 is not a class label: labels must be in [0, 3)");
  }

  @Test
  void a_batch_with_a_bad_label_counts_nothing() {
    ConfusionMatrix.Accumulator accumulator = new ConfusionMatrix.Accumulator(2);

    assertThatThrownBy(() -> accumulator.addAll(new int[] {0, 5}, new int[] {0, 0}))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(accumulator.build().total()).isZero();
  }

  @Test
  void number_of_classes_must_be_positive() {
    assertThatThrownBy(() -> ConfusionMatrix.of(new int[0], new int[0], 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("numClasses must be positive, got 0");
  }

  @Test
  void counts_must_be_square_and_not_negative() {
    assertThatThrownBy(() -> ConfusionMatrix.ofCounts(new int[][] {{1, 0}, {0}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("counts must be a square 2x2 matrix, but row 1 has 1 columns");
    assertThatThrownBy(() -> ConfusionMatrix.ofCounts(new int[][] {{1, 0}, {-1, 0}}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("counts must not be negative, got -1 at [1][0]");
  }
}
