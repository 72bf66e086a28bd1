package dev.digitlab.server.testing;

import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.events.EventSignals;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.RetryPolicy;
import dev.digitlab.server.queue.TrialLifecycles;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.workers.WorkerRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** The stores and the queue on one test database, wired as the server wires them. */
public record Stores(
    MutableClock clock,
    ExperimentStore experiments,
    TrialStore trials,
    TrialQueue queue,
    TrialMoves moves,
    EventStore events,
    WorkerRegistry workers,
    TransactionTemplate transaction) {

  public static final Instant START = Instant.parse("2026-01-05T09:00:00Z");

  public static Stores on(TestDatabase database) {
    return on(database, RetryPolicy.DEFAULTS);
  }

  /** The stores with a queue that retries and times out as {@code retries} says. */
  public static Stores on(TestDatabase database, RetryPolicy retries) {
    return on(database.dataSource(), database.dialect(), retries);
  }

  /** The stores on {@code dataSource} (e.g. a {@link SqlLog}'s over a test database). */
  public static Stores on(DataSource dataSource, Dialect dialect, RetryPolicy retries) {
    MutableClock clock = new MutableClock(START);
    JdbcTemplate jdbcTemplate = new JdbcTemplate(dataSource);
    JdbcClient jdbc = JdbcClient.create(jdbcTemplate);
    var transactions = new DataSourceTransactionManager(dataSource);
    // the experiments' store hears of trial changes from the queue it adds its trials through
    AtomicReference<ExperimentStore> experimentStore = new AtomicReference<>();
    TrialLifecycles lifecycle = new TrialLifecycles(() -> List.of(experimentStore.get()));
    TrialMoves moves = new TrialMoves(jdbc, transactions, clock, lifecycle);
    ExperimentStore experiments = new ExperimentStore(jdbc, transactions, clock, moves);
    experimentStore.set(experiments);
    EventStore events =
        new EventStore(
            jdbcTemplate, transactions, clock, new EventSignals(new SimpleMeterRegistry()));
    return new Stores(
        clock,
        experiments,
        new TrialStore(jdbc),
        new TrialQueue(jdbc, transactions, clock, dialect, lifecycle, events, retries),
        moves,
        events,
        new WorkerRegistry(jdbc, transactions, clock),
        new TransactionTemplate(transactions));
  }

  /**
   * Stores events of a leased attempt as the worker paths do: fenced by the lease, in one
   * transaction.
   */
  public int appendFenced(long trialId, int attempt, UUID leaseToken, List<NewEvent> batch) {
    return transaction.execute(
        status -> {
          queue.fence(trialId, attempt, leaseToken);
          return events.append(trialId, attempt, batch);
        });
  }
}
