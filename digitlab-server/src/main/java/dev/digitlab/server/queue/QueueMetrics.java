package dev.digitlab.server.queue;

import dev.digitlab.server.trials.TrialStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.stereotype.Component;

/**
 * Gauges read from the database at each scrape: {@code digitlab.queue.depth} (queued trials) and
 * {@code digitlab.trials{status=…}}, so every server of a shared database reports the same figures.
 */
@Component
class QueueMetrics implements MeterBinder {

  private final TrialStore trials;

  QueueMetrics(TrialStore trials) {
    this.trials = trials;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("digitlab.queue.depth", trials, t -> t.countByStatus().get(TrialStatus.QUEUED))
        .description("Trials waiting in the queue for a worker")
        .register(registry);
    for (TrialStatus status : TrialStatus.values()) {
      Gauge.builder("digitlab.trials", trials, t -> t.countByStatus().get(status))
          .description("Trials in each status, across all experiments")
          .tag("status", status.dbValue())
          .register(registry);
    }
  }
}
