package dev.digitlab.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ProbabilitiesTest {

  @Test
  void softmax_matches_the_hand_computed_values() {
    // softmax([0, ln 3]) = [1/(1+3), 3/(1+3)]
    float[] p = Probabilities.softmax(new float[] {0f, (float) Math.log(3)});

    assertThat(p[0]).isCloseTo(0.25f, within(1e-6f));
    assertThat(p[1]).isCloseTo(0.75f, within(1e-6f));
  }

  @Test
  void softmax_of_large_logits_does_not_overflow() {
    // exp(1000) overflows even a double; only the differences between logits matter:
    // softmax([1000, 999]) = softmax([1, 0]) = [e/(e+1), 1/(e+1)].
    float[] p = Probabilities.softmax(new float[] {1000f, 999f});
    float[] q = Probabilities.softmax(new float[] {-1000f, -1001f});
    double e = Math.E;

    assertThat(p[0]).isCloseTo((float) (e / (e + 1)), within(1e-6f));
    assertThat(p[1]).isCloseTo((float) (1 / (e + 1)), within(1e-6f));
    assertThat(q).containsExactly(p);
    assertThat(Probabilities.softmax(new float[] {3e38f, 3e38f, 3e38f, 3e38f}))
        .containsExactly(0.25f, 0.25f, 0.25f, 0.25f);
  }

  @Test
  void softmax_reads_one_row_of_a_flat_batch() {
    float[] batch = {9f, 9f, 9f, 0f, (float) Math.log(3), 9f};

    float[] row = Probabilities.softmax(batch, 3, 2);

    assertThat(row).hasSize(2);
    assertThat(row[1]).isCloseTo(0.75f, within(1e-6f));
  }

  @Test
  void argmax_returns_the_position_within_the_row_and_the_first_on_a_tie() {
    float[] batch = {0f, 5f, 1f, 7f, 7f, 2f};

    assertThat(Probabilities.argmax(batch, 0, 3)).isEqualTo(1);
    assertThat(Probabilities.argmax(batch, 3, 3)).isZero();
  }

  @Test
  void non_finite_logits_are_rejected() {
    assertThatThrownBy(() -> Probabilities.softmax(new float[] {0f, Float.NaN}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("logit at index 1 is not finite: NaN");
  }

  @Test
  void a_row_outside_the_array_is_rejected() {
    assertThatThrownBy(() -> Probabilities.softmax(new float[4], 3, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> Probabilities.softmax(new float[4], 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k must be positive, got 0");
  }
}
