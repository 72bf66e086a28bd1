package dev.digitlab.server.trials;

import java.util.ArrayList;
import java.util.List;

/**
 * Shrinks a metric series for a chart without hiding its spikes: the series is cut into buckets of
 * consecutive points, and each bucket keeps its smallest and its largest value, in step order.
 */
final class Downsampling {

  private Downsampling() {}

  /**
   * At most {@code points} of {@code series} (at least 2): {@code points / 2} buckets of nearly
   * equal size, each represented by its minimum and maximum (one point when they are the same
   * point). A series no longer than {@code points} comes back unchanged. Null values (NaN) are
   * never a bucket's minimum or maximum; a bucket of only nulls keeps its first point, so a gap
   * stays visible.
   */
  static List<MetricSample> minMax(List<MetricSample> series, int points) {
    if (points < 2) {
      throw new IllegalArgumentException("points must be at least 2, not " + points);
    }
    int n = series.size();
    if (n <= points) {
      return series;
    }
    int buckets = points / 2;
    List<MetricSample> kept = new ArrayList<>(buckets * 2);
    for (int bucket = 0; bucket < buckets; bucket++) {
      int from = (int) ((long) bucket * n / buckets);
      int to = (int) ((long) (bucket + 1) * n / buckets);
      int min = -1;
      int max = -1;
      for (int i = from; i < to; i++) {
        Double value = series.get(i).value();
        if (value == null) {
          continue;
        }
        if (min < 0 || value < series.get(min).value()) {
          min = i;
        }
        if (max < 0 || value > series.get(max).value()) {
          max = i;
        }
      }
      if (min < 0) {
        kept.add(series.get(from));
      } else if (min == max) {
        kept.add(series.get(min));
      } else {
        kept.add(series.get(Math.min(min, max)));
        kept.add(series.get(Math.max(min, max)));
      }
    }
    return kept;
  }
}
