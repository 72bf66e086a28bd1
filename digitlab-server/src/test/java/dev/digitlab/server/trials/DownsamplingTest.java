package dev.digitlab.server.trials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DownsamplingTest {

  /** Steps 0..n-1, value = the given values in order, epoch 1. */
  private static List<MetricSample> series(Double... values) {
    List<MetricSample> series = new ArrayList<>();
    for (int i = 0; i < values.length; i++) {
      series.add(new MetricSample(i, 1, values[i]));
    }
    return series;
  }

  @Test
  void a_series_no_longer_than_the_points_asked_for_comes_back_unchanged() {
    List<MetricSample> series = series(3.0, 1.0, 2.0, 5.0);

    assertThat(Downsampling.minMax(series, 4)).isEqualTo(series);
    assertThat(Downsampling.minMax(series, 10)).isEqualTo(series);
  }

  @Test
  void each_bucket_keeps_its_minimum_and_maximum_in_step_order() {
    // 12 points, 6 asked for: 3 buckets of 4 points each.
    List<MetricSample> series =
        series(5.0, 4.0, 9.0, 6.0, /* */ 3.0, 3.5, 3.2, 1.0, /* */ 2.0, 2.0, 2.0, 2.0);

    List<MetricSample> shrunk = Downsampling.minMax(series, 6);

    assertThat(shrunk)
        .extracting(MetricSample::step, MetricSample::value)
        .containsExactly(
            tuple(1L, 4.0), // bucket 1 min
            tuple(2L, 9.0), // bucket 1 max
            tuple(5L, 3.5), // bucket 2 max
            tuple(7L, 1.0), // bucket 2 min
            tuple(8L, 2.0)); // a flat bucket keeps one point
  }

  @Test
  void a_single_spike_survives_heavy_downsampling() {
    Double[] values = new Double[10_000];
    java.util.Arrays.fill(values, 0.5);
    values[7_345] = 42.0;

    List<MetricSample> shrunk = Downsampling.minMax(series(values), 20);

    assertThat(shrunk).hasSizeLessThanOrEqualTo(20);
    assertThat(shrunk).extracting(MetricSample::value).contains(42.0);
    assertThat(shrunk).isSortedAccordingTo(java.util.Comparator.comparingLong(MetricSample::step));
  }

  @Test
  void nan_values_are_never_a_minimum_or_maximum_but_an_all_nan_bucket_leaves_a_gap() {
    List<MetricSample> series = series(null, 2.0, 1.0, null, /* */ null, null, null, null);

    List<MetricSample> shrunk = Downsampling.minMax(series, 4);

    assertThat(shrunk)
        .extracting(MetricSample::step, MetricSample::value)
        .containsExactly(tuple(1L, 2.0), tuple(2L, 1.0), tuple(4L, null));
  }

  @Test
  void fewer_than_two_points_cannot_hold_a_minimum_and_a_maximum() {
    assertThatThrownBy(() -> Downsampling.minMax(series(1.0, 2.0, 3.0), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
