package dev.digitlab.server.queue;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.testing.StoreContractTest;
import dev.digitlab.server.testing.Waiting;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The lease sweeper, the server task that requeues trials whose worker went silent and fails those
 * past the trial timeout, on a real database (H2 and PostgreSQL, by subclass).
 */
abstract class LeaseSweeperContractTest extends StoreContractTest {

  static final RetryPolicy POLICY = new RetryPolicy(3, Duration.ofSeconds(5), Duration.ofHours(1));

  private final QueueSignal signal = new QueueSignal();
  private LeaseSweeper sweeper;

  @Override
  protected RetryPolicy retryPolicy() {
    return POLICY;
  }

  @AfterEach
  void stopSweeper() {
    if (sweeper != null) {
      sweeper.stop();
    }
  }

  @Test
  void a_sweep_requeues_a_silent_lease_wakes_the_workers_and_leaves_a_live_one() {
    create(anExperiment().withTrials(2));
    Lease silent = claim();
    Lease live = claim();
    sweeper = new LeaseSweeper(queue, signal, LEASE);
    long generation = signal.generation();

    clock.advance(LEASE.minusSeconds(1));
    queue.heartbeat(live.trialId(), live.leaseToken(), LEASE);
    clock.advance(Duration.ofSeconds(2));

    assertThat(sweeper.sweep()).isEqualTo(1);
    assertThat(trials.get(silent.trialId()).status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(trials.get(live.trialId()).status()).isEqualTo(TrialStatus.RUNNING);
    assertThat(signal.generation()).as("waiting workers are woken").isGreaterThan(generation);
    assertThatThrownBy(() -> queue.heartbeat(silent.trialId(), silent.leaseToken(), LEASE))
        .isInstanceOf(LeaseLostException.class);
    assertThat(claim().attempt()).as("the next claim is a new attempt").isEqualTo(2);
  }

  @Test
  void a_sweep_fails_an_attempt_past_the_trial_timeout() {
    var experiment = create(anExperiment());
    Lease lease = claim();
    sweeper = new LeaseSweeper(queue, signal, LEASE);

    for (int i = 0; i < 130; i++) {
      // keep the lease alive for over an hour: only the timeout can end it
      clock.advance(Duration.ofSeconds(29));
      queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE);
    }

    assertThat(sweeper.sweep()).isZero();
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.FAILED);
    assertThat(trials.get(lease.trialId()).failureReason()).startsWith("timed out");
    assertThat(experiments.find(experiment.id()).orElseThrow().status())
        .isEqualTo(ExperimentStatus.FAILED);
  }

  @Test
  void started_it_gives_running_leases_a_fresh_term_then_sweeps_on_its_own()
      throws InterruptedException {
    create(anExperiment());
    Lease lease = claim();
    clock.advance(LEASE.plusSeconds(10)); // the server was down longer than a lease

    Duration shortLease = Duration.ofMillis(200);
    sweeper = new LeaseSweeper(queue, signal, shortLease);
    sweeper.start();

    assertThat(sweeper.isRunning()).isTrue();
    assertThat(trials.get(lease.trialId()).status())
        .as("its worker gets a lease's time to heartbeat again")
        .isEqualTo(TrialStatus.RUNNING);
    clock.advance(Duration.ofSeconds(1)); // it stays silent
    Waiting.until(
        () -> trials.get(lease.trialId()).status(),
        status -> status == TrialStatus.QUEUED,
        Duration.ofSeconds(30),
        "the sweeper's own loop to requeue the silent trial");

    sweeper.stop();
    assertThat(sweeper.isRunning()).isFalse();
  }
}
