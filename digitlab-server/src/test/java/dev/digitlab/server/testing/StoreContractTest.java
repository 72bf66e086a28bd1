package dev.digitlab.server.testing;

import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.RetryPolicy;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.workers.WorkerRegistry;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The base of every store and queue contract test: each test gets a fresh database from {@link
 * #openDatabase()} (H2 or PostgreSQL, by subclass) and the stores on it, with a test clock.
 */
public abstract class StoreContractTest {

  protected static final Duration LEASE = Duration.ofSeconds(30);

  private TestDatabase database;
  protected MutableClock clock;
  protected ExperimentStore experiments;
  protected TrialStore trials;
  protected TrialQueue queue;
  protected TrialMoves moves;
  protected Stores stores;
  protected EventStore events;
  protected WorkerRegistry workers;

  /** A fresh, migrated database: {@code TestDatabase.h2()} or {@code TestDatabase.postgres()}. */
  protected abstract TestDatabase openDatabase();

  @BeforeEach
  final void openStores() {
    database = openDatabase();
    stores = Stores.on(database, retryPolicy());
    clock = stores.clock();
    experiments = stores.experiments();
    trials = stores.trials();
    queue = stores.queue();
    moves = stores.moves();
    events = stores.events();
    workers = stores.workers();
  }

  /** How the queue retries and times out attempts; the defaults unless a test class says. */
  protected RetryPolicy retryPolicy() {
    return RetryPolicy.DEFAULTS;
  }

  @AfterEach
  final void dropDatabase() {
    if (database != null) {
      database.close();
    }
  }

  protected Experiment create(ExperimentBuilder experiment) {
    return experiments.create(experiment.build());
  }

  /** The next lease for a CPU worker, or empty. */
  protected Optional<Lease> claimNext() {
    return queue.claim("worker-1", Set.of("cpu"), LEASE);
  }

  protected Lease claim() {
    return claimNext().orElseThrow(() -> new AssertionError("expected a trial to claim"));
  }

  protected void succeed(Lease lease, double testAccuracy, double testF1Macro) {
    queue.complete(
        lease.trialId(),
        lease.leaseToken(),
        new TrialOutcome.Succeeded(testAccuracy, testF1Macro, null, 12.5, "{\"epoch\":1}"));
  }

  protected void fail(Lease lease) {
    queue.complete(
        lease.trialId(),
        lease.leaseToken(),
        new TrialOutcome.Failed("CUDA out of memory", "java.lang.RuntimeException: ...", 1.0));
  }
}
