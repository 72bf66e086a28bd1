package dev.digitlab.server.queue;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Gauges read from the database at each scrape: {@code digitlab.queue.depth} (queued trials) and
 * {@code digitlab.trials{status=…}}, so every server of a shared database reports the same figures.
 */
@Component
class QueueMetrics implements MeterBinder {

  private final JdbcClient jdbc;

  QueueMetrics(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** How many trials there are in each status, across all experiments (zero ones included). */
  Map<TrialStatus, Long> countByStatus() {
    Map<TrialStatus, Long> counts = new EnumMap<>(TrialStatus.class);
    for (TrialStatus status : TrialStatus.values()) {
      counts.put(status, 0L);
    }
    jdbc.sql("SELECT status, COUNT(*) AS n FROM trial GROUP BY status")
        .query(
            (row, n) -> counts.put(TrialStatus.fromDb(row.getString("status")), row.getLong("n")))
        .list();
    return counts;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    Gauge.builder("digitlab.queue.depth", this, t -> t.countByStatus().get(TrialStatus.QUEUED))
        .description("Trials waiting in the queue for a worker")
        .register(registry);
    for (TrialStatus status : TrialStatus.values()) {
      Gauge.builder("digitlab.trials", this, t -> t.countByStatus().get(status))
          .description("Trials in each status, across all experiments")
          .tag("status", status.dbValue())
          .register(registry);
    }
  }
}
