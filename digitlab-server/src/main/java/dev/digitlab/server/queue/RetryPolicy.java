package dev.digitlab.server.queue;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.queue.*}: what happens to attempts that fail or run too long.
 *
 * @param maxAttempts a trial whose attempt failed for a retryable reason is queued again until it
 *     has had this many attempts
 * @param retryBackoff the wait before the second attempt; it doubles with each further attempt
 * @param trialTimeout an attempt running longer than this fails ({@code 0} = no limit)
 */
@ConfigurationProperties("digitlab.queue")
public record RetryPolicy(
    @DefaultValue("3") int maxAttempts,
    @DefaultValue("5s") Duration retryBackoff,
    @DefaultValue("0s") Duration trialTimeout) {

  /** Three attempts, 5 s then 10 s apart; no timeout. */
  public static final RetryPolicy DEFAULTS =
      new RetryPolicy(3, Duration.ofSeconds(5), Duration.ZERO);

  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException(
          "digitlab.queue.max-attempts must be at least 1, got " + maxAttempts);
    }
    if (retryBackoff.isNegative() || trialTimeout.isNegative()) {
      throw new IllegalArgumentException("digitlab.queue durations must not be negative");
    }
  }

  /** The wait before attempt {@code nextAttempt} (2 = the first retry). */
  Duration backoffBefore(int nextAttempt) {
    int doublings = Math.min(Math.max(nextAttempt - 2, 0), 20);
    return retryBackoff.multipliedBy(1L << doublings);
  }
}
