package dev.digitlab.server.testing;

import dev.digitlab.server.events.EventSignals;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.RetryPolicy;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.workers.WorkerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/** The stores and the queue on one test database, wired as the server wires them. */
public record Stores(
    MutableClock clock,
    ExperimentStore experiments,
    TrialStore trials,
    TrialQueue queue,
    EventStore events,
    WorkerRegistry workers) {

  public static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

  public static Stores on(TestDatabase database) {
    return on(database, RetryPolicy.DEFAULTS);
  }

  /** The stores with a queue that retries and times out as {@code retries} says. */
  public static Stores on(TestDatabase database, RetryPolicy retries) {
    MutableClock clock = new MutableClock(START);
    JdbcTemplate jdbcTemplate = new JdbcTemplate(database.dataSource());
    JdbcClient jdbc = JdbcClient.create(jdbcTemplate);
    var transactions = new DataSourceTransactionManager(database.dataSource());
    ExperimentStore experiments = new ExperimentStore(jdbc, transactions, clock);
    EventStore events =
        new EventStore(
            jdbcTemplate, transactions, clock, new EventSignals(new SimpleMeterRegistry()));
    return new Stores(
        clock,
        experiments,
        new TrialStore(jdbc, transactions, clock, experiments),
        new TrialQueue(jdbc, transactions, clock, database.dialect(), experiments, events, retries),
        events,
        new WorkerRegistry(jdbc, transactions, clock));
  }
}
