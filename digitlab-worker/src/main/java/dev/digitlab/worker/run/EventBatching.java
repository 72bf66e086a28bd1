package dev.digitlab.worker.run;

import java.time.Duration;
import java.util.Objects;

/**
 * How often a run hands events to its sink.
 *
 * @param maxBatchEvents a batch is sent when it holds this many events
 * @param maxBatchDelay or when its oldest event is this old (checked as events arrive); status
 *     changes, epoch ends, the end of the run and failures are sent at once regardless
 * @param minProgressInterval at most one progress event per interval, except that the last step of
 *     every epoch always gets one
 */
public record EventBatching(
    int maxBatchEvents, Duration maxBatchDelay, Duration minProgressInterval) {

  /** Batches of up to 500 events or 200 ms; at most five progress events a second. */
  public static final EventBatching DEFAULTS =
      new EventBatching(500, Duration.ofMillis(200), Duration.ofMillis(200));

  public EventBatching {
    Objects.requireNonNull(maxBatchDelay, "maxBatchDelay");
    Objects.requireNonNull(minProgressInterval, "minProgressInterval");
    if (maxBatchEvents < 1) {
      throw new IllegalArgumentException(
          "maxBatchEvents must be at least 1, got " + maxBatchEvents);
    }
    if (maxBatchDelay.isNegative() || minProgressInterval.isNegative()) {
      throw new IllegalArgumentException("intervals must not be negative");
    }
  }
}
