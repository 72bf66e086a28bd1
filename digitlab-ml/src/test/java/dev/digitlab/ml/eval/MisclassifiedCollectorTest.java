package dev.digitlab.ml.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class MisclassifiedCollectorTest {

  @Test
  void correct_predictions_are_ignored() {
    MisclassifiedCollector collector = new MisclassifiedCollector(10);

    assertThat(collector.offer(0, 3, 3, 0.9f)).isFalse();
    assertThat(collector.offer(1, 3, 5, 0.6f)).isTrue();

    assertThat(collector.mistakes()).isEqualTo(1);
    assertThat(collector.kept()).containsExactly(new Misclassified(1, 3, 5, 0.6f));
  }

  /** A diverged model's outputs are NaN: its test phase counts the mistakes instead of failing. */
  @Test
  void a_mistake_without_a_confidence_is_counted_and_not_kept() {
    MisclassifiedCollector collector = new MisclassifiedCollector(10);

    assertThat(collector.offer(0, 3, 0, Float.NaN)).isTrue();
    collector.offer(1, 2, 5, 0.5f);

    assertThat(collector.mistakes()).isEqualTo(2);
    assertThat(collector.mostConfident(10)).extracting(Misclassified::index).containsExactly(1);
  }

  @Test
  void most_confident_mistakes_come_first_and_ties_go_to_the_earlier_example() {
    MisclassifiedCollector collector = new MisclassifiedCollector(10);
    collector.offer(4, 1, 7, 0.55f);
    collector.offer(2, 4, 9, 0.99f);
    collector.offer(9, 0, 6, 0.70f);
    collector.offer(1, 5, 3, 0.70f);

    assertThat(collector.mostConfident(3))
        .extracting(Misclassified::index)
        .containsExactly(2, 1, 9);
    assertThat(collector.mostConfident(100)).hasSize(4);
  }

  @Test
  void a_full_collector_keeps_the_most_confident_mistakes_and_still_counts_all() {
    MisclassifiedCollector collector = new MisclassifiedCollector(2);
    collector.offer(0, 1, 2, 0.5f);
    collector.offer(1, 1, 2, 0.9f);
    collector.offer(2, 1, 2, 0.4f);
    collector.offer(3, 1, 2, 0.8f);

    assertThat(collector.kept()).extracting(Misclassified::index).containsExactly(1, 3);
    assertThat(collector.mistakes()).isEqualTo(4);
  }

  @Test
  void what_is_kept_does_not_depend_on_the_order_examples_arrive_in() {
    MisclassifiedCollector forward = new MisclassifiedCollector(2);
    MisclassifiedCollector backward = new MisclassifiedCollector(2);
    float[] confidences = {0.6f, 0.8f, 0.8f, 0.8f, 0.3f};
    for (int i = 0; i < confidences.length; i++) {
      forward.offer(i, 0, 1, confidences[i]);
      int j = confidences.length - 1 - i;
      backward.offer(j, 0, 1, confidences[j]);
    }

    assertThat(forward.kept()).extracting(Misclassified::index).containsExactly(1, 2);
    assertThat(backward.kept()).isEqualTo(forward.kept());
  }

  @Test
  void capacity_zero_only_counts_mistakes() {
    MisclassifiedCollector collector = new MisclassifiedCollector(0);
    collector.offer(0, 1, 2, 0.5f);

    assertThat(collector.mistakes()).isEqualTo(1);
    assertThat(collector.kept()).isEmpty();
  }

  @Test
  void logits_give_the_arg_max_as_prediction_and_its_probability_as_confidence() {
    // Example 7 has logits [0, ln 3, -100]: it predicts class 1 with probability ≈ 3/(1+3).
    float[] batch = {5f, 0f, 0f, 0f, (float) Math.log(3), -100f};
    MisclassifiedCollector collector = new MisclassifiedCollector(10);

    assertThat(collector.offerLogits(6, 0, batch, 0, 3)).isFalse();
    assertThat(collector.offerLogits(7, 2, batch, 3, 3)).isTrue();

    Misclassified wrong = collector.kept().getFirst();
    assertThat(wrong.index()).isEqualTo(7);
    assertThat(wrong.actual()).isEqualTo(2);
    assertThat(wrong.predicted()).isEqualTo(1);
    assertThat(wrong.confidence()).isCloseTo(0.75f, within(1e-6f));
  }

  @Test
  void invalid_arguments_are_rejected() {
    assertThatThrownBy(() -> new MisclassifiedCollector(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("capacity must not be negative, got -1");
    assertThatThrownBy(() -> new MisclassifiedCollector(1).offer(0, 1, 2, 1.5f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("confidence must be a probability in [0, 1], got 1.5");
    assertThatThrownBy(() -> new Misclassified(0, 4, 4, 0.5f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("example 0 is not misclassified: actual and predicted are both 4");
  }
}
