package dev.digitlab.server.retraining;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.retraining.QualityGate.Scores;
import org.junit.jupiter.api.Test;

class QualityGateTest {

  private static final Scores PRODUCTION = new Scores(0.970, 0.50, 4);

  @Test
  void a_candidate_slightly_worse_on_test_within_tolerance_and_as_good_on_feedback_passes() {
    var verdict = QualityGate.decide(PRODUCTION, new Scores(0.966, 0.50, 4), 0.005);

    assertThat(verdict.promote()).isTrue();
    assertThat(verdict.reason()).startsWith("passed").contains("0.9660", "0.9700", "0.5000 (2/4)");
  }

  @Test
  void a_candidate_worse_on_test_beyond_the_tolerance_is_rejected_even_if_better_on_feedback() {
    var verdict = QualityGate.decide(PRODUCTION, new Scores(0.964, 1.0, 4), 0.005);

    assertThat(verdict.promote()).isFalse();
    assertThat(verdict.reason()).startsWith("worse on the test set");
  }

  @Test
  void a_candidate_worse_on_held_out_feedback_is_rejected() {
    var verdict = QualityGate.decide(PRODUCTION, new Scores(0.990, 0.25, 4), 0.005);

    assertThat(verdict.promote()).isFalse();
    assertThat(verdict.reason()).startsWith("worse on held-out feedback").contains("0.2500 (1/4)");
  }

  @Test
  void without_held_out_images_only_the_test_set_decides() {
    var verdict = QualityGate.decide(new Scores(0.97, 1.0, 0), new Scores(0.97, 1.0, 0), 0.0);

    assertThat(verdict.promote()).isTrue();
    assertThat(verdict.reason()).contains("n/a (no held-out images)");
  }
}
