package dev.digitlab.server.trials;

import java.time.Instant;

/**
 * One point of a metric's history: the optimizer step and 1-based epoch it belongs to, its value
 * (null when the worker reported NaN or an infinity, which JSON cannot carry as a number), and when
 * the server stored it (null when not known): the wall-time axis of the charts. Workers send points
 * in batches about every 0.2 s, so the time is that close to when the point was measured.
 */
public record MetricSample(long step, int epoch, Double value, Instant time) {

  /** A point whose time is not known. */
  public MetricSample(long step, int epoch, Double value) {
    this(step, epoch, value, null);
  }
}
