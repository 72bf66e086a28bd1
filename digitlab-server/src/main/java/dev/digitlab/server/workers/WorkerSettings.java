package dev.digitlab.server.workers;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.worker.*}: the embedded worker.
 *
 * @param slots trials run at once in the server's process; 0 runs none (remote workers only)
 * @param lease how long a claim holds without a heartbeat; heartbeats come every third of it
 * @param pollInterval how long an idle slot waits before asking the queue again
 * @param dataHome where datasets are kept ({@code <dataHome>/datasets}); null = {@code
 *     digitlab.home}
 */
@ConfigurationProperties("digitlab.worker")
record WorkerSettings(
    @DefaultValue("1") int slots,
    @DefaultValue("60s") Duration lease,
    @DefaultValue("500ms") Duration pollInterval,
    Path dataHome) {

  WorkerSettings {
    if (slots < 0) {
      throw new IllegalArgumentException("digitlab.worker.slots must be 0 or more, got " + slots);
    }
    if (lease.toMillis() < 3) {
      throw new IllegalArgumentException("digitlab.worker.lease is too short: " + lease);
    }
  }
}
