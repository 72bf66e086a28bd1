package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

  private static LearningRateSchedule schedule(ScheduleKind kind) {
    // 10 steps per epoch, 4 epochs; step schedule halves every 2 epochs.
    return new LearningRateSchedule(kind, 0.1, 10, 40, 2, 0.5);
  }

  @Test
  void constant_never_changes() {
    assertThat(schedule(ScheduleKind.CONSTANT).rateAt(0)).isEqualTo(0.1);
    assertThat(schedule(ScheduleKind.CONSTANT).rateAt(39)).isEqualTo(0.1);
  }

  @Test
  void step_multiplies_by_gamma_every_period() {
    LearningRateSchedule s = schedule(ScheduleKind.STEP);

    assertThat(s.rateAt(19)).isEqualTo(0.1);
    assertThat(s.rateAt(20)).isCloseTo(0.05, within(1e-12));
    assertThat(s.rateAt(39)).isCloseTo(0.05, within(1e-12));
  }

  @Test
  void cosine_falls_from_the_base_rate_to_zero() {
    LearningRateSchedule s = schedule(ScheduleKind.COSINE);

    assertThat(s.rateAt(0)).isEqualTo(0.1);
    assertThat(s.rateAt(20)).isCloseTo(0.05, within(1e-12));
    assertThat(s.rateAt(40)).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void one_cycle_warms_up_to_the_peak_then_anneals_below_the_start() {
    LearningRateSchedule s = schedule(ScheduleKind.ONE_CYCLE);
    double start = s.rateAt(0);
    // PyTorch OneCycleLR: peak at step pct_start·total − 1 = 11, start = peak / 25.
    assertThat(start).isCloseTo(0.1 / 25, within(1e-12));
    assertThat(s.rateAt(11)).isCloseTo(0.1, within(1e-12));
    assertThat(s.rateAt(5)).isBetween(start, 0.1);
    assertThat(s.rateAt(39)).isCloseTo(0.1 / 25 / 1e4, within(1e-12));
  }
}
