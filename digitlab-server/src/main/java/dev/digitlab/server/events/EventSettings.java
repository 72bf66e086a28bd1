package dev.digitlab.server.events;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.events.*}: event streams and batch ingestion.
 *
 * @param pollInterval how often an SSE stream looks for new events when nothing in this process
 *     told it about one (events appended by another server, a trial's status change)
 * @param keepAlive how long an idle SSE stream waits before sending a comment line, so proxies and
 *     clients see the connection is alive
 * @param pageSize the most events an SSE stream reads from the database at once
 * @param maxBatch the most events one {@code POST /trials/{id}/events} may carry
 * @param maxStreamsPerCaller the most SSE streams one caller (a token's name; without a token, the
 *     client's address) may hold open at once; one more is a 429. Each stream polls the database
 *     every {@code pollInterval}: without a cap, one viewer opening thousands loads it without end
 */
@ConfigurationProperties("digitlab.events")
public record EventSettings(
    @DefaultValue("100ms") Duration pollInterval,
    @DefaultValue("15s") Duration keepAlive,
    @DefaultValue("500") int pageSize,
    @DefaultValue("5000") int maxBatch,
    @DefaultValue("32") int maxStreamsPerCaller) {

  public EventSettings {
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException(
          "digitlab.events.poll-interval must be positive, got " + pollInterval);
    }
    if (keepAlive.isNegative() || keepAlive.isZero()) {
      throw new IllegalArgumentException(
          "digitlab.events.keep-alive must be positive, got " + keepAlive);
    }
    if (pageSize < 1 || pageSize > EventStore.MAX_PAGE) {
      throw new IllegalArgumentException(
          "digitlab.events.page-size must be between 1 and " + EventStore.MAX_PAGE);
    }
    if (maxBatch < 1) {
      throw new IllegalArgumentException("digitlab.events.max-batch must be at least 1");
    }
    if (maxStreamsPerCaller < 1) {
      throw new IllegalArgumentException(
          "digitlab.events.max-streams-per-caller must be at least 1");
    }
  }
}
