package dev.digitlab.server.workers;

import dev.digitlab.worker.run.EventBatching;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.worker.*}: the embedded worker, and the terms remote workers get.
 *
 * @param slots trials run at once in the server's process; 0 runs none (remote workers only)
 * @param lease how long a claim holds without a heartbeat; heartbeats come every third of it
 * @param pollInterval how long an idle slot waits before asking the queue again
 * @param longPoll how long a remote worker's lease request waits for work before it answers 204
 * @param remoteHeartbeat how often remote workers heartbeat each lease, and so how soon they see a
 *     cancel
 * @param dataHome where datasets are kept ({@code <dataHome>/datasets}); null = {@code
 *     digitlab.home}
 * @param eventBatchDelay how long the embedded worker's training run gathers events before it
 *     stores them (one database transaction per batch); status changes, epoch ends and the run's
 *     end are stored at once regardless
 */
@ConfigurationProperties("digitlab.worker")
record WorkerSettings(
    @DefaultValue("1") int slots,
    @DefaultValue("30s") Duration lease,
    @DefaultValue("500ms") Duration pollInterval,
    @DefaultValue("20s") Duration longPoll,
    @DefaultValue("1s") Duration remoteHeartbeat,
    Path dataHome,
    @DefaultValue("1s") Duration eventBatchDelay) {

  /**
   * How long a remote worker may be silent before it is shown as lost: a lease (a busy worker
   * heartbeats far more often) plus a long poll (an idle worker is heard from once per poll).
   */
  Duration silenceBeforeLost() {
    return lease.plus(longPoll);
  }

  /**
   * The embedded worker's batching: {@link #eventBatchDelay}, the worker's defaults otherwise. Each
   * batch is a transaction that writes the embedded H2 file before it returns ({@code
   * WRITE_DELAY=0}); at the worker's 200 ms that was five a second, each on the two cores the
   * training uses. Once a second is a fifth of that work; a trial page's live charts (fed by the
   * event stream) then move once a second.
   */
  EventBatching eventBatching() {
    EventBatching defaults = EventBatching.DEFAULTS;
    return new EventBatching(
        defaults.maxBatchEvents(), eventBatchDelay, defaults.minProgressInterval());
  }

  WorkerSettings {
    if (slots < 0) {
      throw new IllegalArgumentException("digitlab.worker.slots must be 0 or more, got " + slots);
    }
    if (eventBatchDelay.isNegative()) {
      throw new IllegalArgumentException(
          "digitlab.worker.event-batch-delay must not be negative, got " + eventBatchDelay);
    }
    if (lease.toMillis() < 3) {
      throw new IllegalArgumentException("digitlab.worker.lease is too short: " + lease);
    }
  }
}
