package dev.digitlab.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class RocAucTest {

  @Test
  void tied_scores_count_one_half_like_sklearn() {
    // Class 0: positives (rows 0, 1, 4) score 0.8, 0.4, 0.6; negatives (rows 2, 3, 5) 0.4, 0.1,
    // 0.6.
    // Mann-Whitney by pairs (positive vs negative, win 1, tie 1/2):
    //   0.8 beats 0.4, 0.1, 0.6         -> 3
    //   0.4 ties 0.4, beats 0.1, < 0.6  -> 1.5
    //   0.6 beats 0.4, 0.1, ties 0.6    -> 2.5
    //   U = 7 of 3·3 = 9 pairs, AUC = 7/9.
    // Same by ranks: sorted 0.1 | 0.4 0.4 | 0.6 0.6 | 0.8 -> ranks 1 | 2.5 2.5 | 4.5 4.5 | 6;
    //   positives' rank sum 6 + 2.5 + 4.5 = 13, U = 13 - 3·4/2 = 7.
    // Class 1 is the mirror image (scores 1 - p0, labels swapped), so also 7/9; sklearn's
    // roc_auc_score([0,0,1,1,0,1], [0.2,0.6,0.6,0.9,0.4,0.4]) is the trapezoid over the ROC
    // points (0,0) (0,1/3) (1/3,2/3) (2/3,1) (1,1) = 1/3·1/2 + 1/3·5/6 + 1/3·1 = 7/9.
    // Class 2 never occurs, where sklearn raises: NaN.
    float[][] probabilities = {
      {0.8f, 0.2f, 0f},
      {0.4f, 0.6f, 0f},
      {0.4f, 0.6f, 0f},
      {0.1f, 0.9f, 0f},
      {0.6f, 0.4f, 0f},
      {0.6f, 0.4f, 0f},
    };
    int[] actual = {0, 0, 1, 1, 0, 1};

    double[] auc = RocAuc.oneVsRest(probabilities, actual);

    assertThat(auc).hasSize(3);
    assertThat(auc[0]).isCloseTo(7.0 / 9, within(1e-12));
    assertThat(auc[1]).isCloseTo(7.0 / 9, within(1e-12));
    assertThat(auc[2]).isNaN();
  }

  @Test
  void perfect_inverted_and_uninformative_scores() {
    int[] actual = {0, 1, 0, 1};
    float[] perfect = {0.9f, 0.1f, 0.2f, 0.8f, 0.7f, 0.3f, 0.4f, 0.6f};
    float[] allTied = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
    int[] swapped = {1, 0, 1, 0};

    assertThat(RocAuc.oneVsRest(perfect, 2, actual)).containsExactly(1.0, 1.0);
    assertThat(RocAuc.oneVsRest(perfect, 2, swapped)).containsExactly(0.0, 0.0);
    assertThat(RocAuc.oneVsRest(allTied, 2, actual)).containsExactly(0.5, 0.5);
  }

  @Test
  void equals_the_pairwise_definition_on_random_scores_with_many_ties() {
    Random random = new Random(42);
    int n = 300;
    int k = 4;
    int[] actual = new int[n];
    float[] scores = new float[n * k];
    for (int i = 0; i < n; i++) {
      actual[i] = random.nextInt(k);
      for (int c = 0; c < k; c++) {
        // Scores on a coarse grid, so that ties are common.
        scores[i * k + c] = random.nextInt(10) / 10f;
      }
    }

    double[] auc = RocAuc.oneVsRest(scores, k, actual);

    for (int c = 0; c < k; c++) {
      assertThat(auc[c]).as("class %d", c).isCloseTo(pairwise(scores, k, actual, c), within(1e-12));
    }
  }

  @Test
  void a_class_that_is_every_example_has_no_area() {
    double[] auc = RocAuc.oneVsRest(new float[] {0.7f, 0.3f, 0.6f, 0.4f}, 2, new int[] {0, 0});

    assertThat(auc[0]).isNaN();
    assertThat(auc[1]).isNaN();
  }

  @Test
  void negative_zero_ties_with_zero() {
    // Positive example 0 scores -0.0 and negative example 1 scores 0.0: a tie, AUC = 1/2.
    double[] auc = RocAuc.oneVsRest(new float[] {-0f, 0f, 0f, 1f}, 2, new int[] {0, 1});

    assertThat(auc[0]).isEqualTo(0.5);
  }

  @Test
  void invalid_input_is_rejected_with_a_clear_message() {
    assertThatThrownBy(() -> RocAuc.oneVsRest(new float[5], 2, new int[] {0, 1, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("expected 3 rows of 2 scores (6 values) but got 5 values");
    assertThatThrownBy(() -> RocAuc.oneVsRest(new float[4], 2, new int[] {0, 2}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("actual[1] = 2 is not a class label: labels must be in [0, 2)");
    assertThatThrownBy(() -> RocAuc.oneVsRest(new float[] {0f, 0f, Float.NaN, 0f}, 2, new int[2]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("score of example 1, class 0 is not finite: NaN");
    assertThatThrownBy(() -> RocAuc.oneVsRest(new float[][] {{0.5f, 0.5f}, {1f}}, new int[] {0, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("every row must hold 2 scores like row 0, but row 1 holds 1");
  }

  /** The definition itself: the share of (positive, negative) pairs ranked right, ties 1/2. */
  private static double pairwise(float[] scores, int k, int[] actual, int c) {
    double wins = 0;
    long pairs = 0;
    for (int p = 0; p < actual.length; p++) {
      if (actual[p] != c) {
        continue;
      }
      for (int q = 0; q < actual.length; q++) {
        if (actual[q] == c) {
          continue;
        }
        float sp = scores[p * k + c];
        float sq = scores[q * k + c];
        wins += sp > sq ? 1 : sp == sq ? 0.5 : 0;
        pairs++;
      }
    }
    return wins / pairs;
  }
}
