package dev.digitlab.server.queue;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.testing.StoreContractTest;
import dev.digitlab.server.trials.Trial;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the trial queue promises, on every database it runs on. */
public abstract class TrialQueueContractTest extends StoreContractTest {

  @Test
  void claims_nothing_when_no_trial_is_queued() {
    assertThat(claimNext()).isEmpty();
  }

  @Test
  void claims_by_priority_then_first_in_first_out() {
    Experiment early = create(anExperiment().named("early").withTrials(2));
    clock.advance(Duration.ofSeconds(1));
    Experiment urgent = create(anExperiment().named("urgent").priority(5));
    clock.advance(Duration.ofSeconds(1));
    Experiment late = create(anExperiment().named("late"));

    List<Long> claimed = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      claimed.add(claim().trialId());
    }

    List<Trial> earlyTrials = trials.listByExperiment(early.id());
    assertThat(claimed)
        .containsExactly(
            trials.listByExperiment(urgent.id()).getFirst().id(),
            earlyTrials.get(0).id(),
            earlyTrials.get(1).id(),
            trials.listByExperiment(late.id()).getFirst().id());
    assertThat(claimNext()).isEmpty();
  }

  @Test
  void a_claim_is_a_running_first_attempt_with_the_trial_config() {
    Experiment experiment = create(anExperiment());

    Lease lease = claim();

    Trial trial = trials.get(lease.trialId());
    assertThat(trial.experimentId()).isEqualTo(experiment.id());
    assertThat(trial.status()).isEqualTo(TrialStatus.RUNNING);
    assertThat(trial.attempt()).isEqualTo(1);
    assertThat(trial.leaseOwner()).isEqualTo("worker-1");
    assertThat(trial.workerName()).isEqualTo("worker-1");
    assertThat(trial.startedAt()).isEqualTo(clock.instant());
    assertThat(lease.attempt()).isEqualTo(1);
    assertThat(lease.expiresAt()).isEqualTo(clock.instant().plus(LEASE));
    assertThat(lease.config()).isEqualTo(trial.config()).contains("learningRate");
  }

  @Test
  void never_runs_more_trials_of_an_experiment_than_its_max_parallel() {
    create(anExperiment().withTrials(6).maxParallel(2));

    Lease first = claim();
    claim();

    assertThat(claimNext()).as("a third trial while two run").isEmpty();
    succeed(first, 0.9, 0.9);
    assertThat(claimNext()).as("a slot is free again").isPresent();
    assertThat(claimNext()).isEmpty();
  }

  @Test
  void a_full_experiment_does_not_block_the_next_one() {
    create(anExperiment().named("full").withTrials(3).maxParallel(1));
    clock.advance(Duration.ofSeconds(1));
    Experiment other = create(anExperiment().named("other"));

    claim();

    assertThat(claim().trialId()).isEqualTo(trials.listByExperiment(other.id()).getFirst().id());
  }

  @Test
  void trials_of_a_cancelled_experiment_are_never_claimed() {
    Experiment cancelled = create(anExperiment().withTrials(3));
    experiments.cancel(cancelled.id());

    assertThat(claimNext()).isEmpty();
  }

  @Test
  void a_trial_that_requires_a_gpu_goes_only_to_a_gpu_worker() {
    create(anExperiment().withTrials(0).withTrial(new NewTrial("{}", "gpu")));

    assertThat(queue.claim("cpu-only", Set.of("cpu"), LEASE)).isEmpty();
    assertThat(queue.claim("no-capabilities", Set.of(), LEASE)).isEmpty();
    assertThat(queue.claim("gpu-box", Set.of("cpu", "gpu"), LEASE)).isPresent();
  }

  @Test
  void two_competing_claimers_never_get_the_same_trial() throws Exception {
    int trialCount = 60;
    create(anExperiment().withTrials(trialCount).maxParallel(trialCount));
    CountDownLatch start = new CountDownLatch(1);
    Callable<List<Long>> claimer =
        () -> {
          List<Long> mine = new ArrayList<>();
          start.await();
          String name = Thread.currentThread().getName();
          for (Optional<Lease> lease = queue.claim(name, Set.of("cpu"), LEASE);
              lease.isPresent();
              lease = queue.claim(name, Set.of("cpu"), LEASE)) {
            mine.add(lease.get().trialId());
          }
          return mine;
        };
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<List<Long>> first = threads.submit(claimer);
      Future<List<Long>> second = threads.submit(claimer);
      start.countDown();
      List<Long> all = new ArrayList<>(first.get(60, TimeUnit.SECONDS));
      all.addAll(second.get(60, TimeUnit.SECONDS));

      assertThat(all).hasSize(trialCount).doesNotHaveDuplicates();
    } finally {
      threads.shutdownNow();
    }
  }

  @Test
  void competing_claimers_respect_max_parallel() throws Exception {
    create(anExperiment().withTrials(20).maxParallel(3));
    CountDownLatch start = new CountDownLatch(1);
    List<Long> claimed = Collections.synchronizedList(new ArrayList<>());
    Callable<Void> claimer =
        () -> {
          start.await();
          for (int i = 0; i < 10; i++) {
            queue.claim("w", Set.of("cpu"), LEASE).ifPresent(lease -> claimed.add(lease.trialId()));
          }
          return null;
        };
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      Future<Void> first = threads.submit(claimer);
      Future<Void> second = threads.submit(claimer);
      start.countDown();
      first.get(60, TimeUnit.SECONDS);
      second.get(60, TimeUnit.SECONDS);
    } finally {
      threads.shutdownNow();
    }

    assertThat(new HashSet<>(claimed)).hasSize(3);
  }

  @Test
  void heartbeat_extends_the_lease() {
    create(anExperiment());
    Lease lease = claim();

    clock.advance(Duration.ofSeconds(20));
    Heartbeat heartbeat = queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE);
    clock.advance(Duration.ofSeconds(20));

    assertThat(heartbeat.expiresAt()).isEqualTo(clock.instant().minusSeconds(20).plus(LEASE));
    assertThat(heartbeat.cancelRequested()).isFalse();
    assertThat(queue.sweepExpired()).isZero();
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.RUNNING);
  }

  @Test
  void a_heartbeat_that_read_the_clock_earlier_but_lands_later_does_not_shorten_the_lease() {
    create(anExperiment());
    Lease lease = claim();

    clock.advance(Duration.ofSeconds(20));
    Instant later = clock.instant().plus(LEASE);
    queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE);
    clock.advance(Duration.ofSeconds(-10));
    Heartbeat stale = queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE);

    assertThat(trials.get(lease.trialId()).leaseExpiresAt()).isEqualTo(later);
    assertThat(stale.expiresAt()).as("what the worker is told").isEqualTo(later);
  }

  @Test
  void heartbeat_tells_the_worker_that_a_user_cancelled() {
    create(anExperiment());
    Lease lease = claim();

    moves.requestCancel(lease.trialId());

    assertThat(queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE).cancelRequested())
        .isTrue();
  }

  @Test
  void expired_lease_returns_trial_to_queue() {
    create(anExperiment());
    Lease lease = claim();
    Trial claimed = trials.get(lease.trialId());

    clock.advance(LEASE.plusSeconds(1));
    assertThat(queue.sweepExpired()).isEqualTo(1);

    Trial requeued = trials.get(lease.trialId());
    assertThat(requeued.status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(requeued.leaseOwner()).isNull();
    assertThat(requeued.queuedAt())
        .as("keeps its place in the queue")
        .isEqualTo(claimed.queuedAt());
  }

  @Test
  void a_swept_lease_is_lost_for_heartbeats_and_completion() {
    create(anExperiment());
    Lease lease = claim();
    clock.advance(LEASE.plusSeconds(1));
    queue.sweepExpired();

    assertThatThrownBy(() -> queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE))
        .isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("trial " + lease.trialId());
    assertThatThrownBy(() -> succeed(lease, 0.9, 0.9)).isInstanceOf(LeaseLostException.class);
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.QUEUED);
  }

  @Test
  void the_next_claim_after_a_sweep_is_a_new_attempt_with_a_new_token() {
    create(anExperiment());
    Lease first = claim();
    clock.advance(LEASE.plusSeconds(1));
    queue.sweepExpired();

    Lease second = claim();

    assertThat(second.trialId()).isEqualTo(first.trialId());
    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.leaseToken()).isNotEqualTo(first.leaseToken());
    assertThatThrownBy(() -> queue.heartbeat(first.trialId(), first.leaseToken(), LEASE))
        .isInstanceOf(LeaseLostException.class);
    queue.heartbeat(second.trialId(), second.leaseToken(), LEASE);
  }

  @Test
  void a_new_attempt_on_another_worker_records_that_worker() {
    create(anExperiment());
    Lease first = claim();
    clock.advance(LEASE.plusSeconds(1));
    queue.sweepExpired();
    assertThat(trials.get(first.trialId()).workerName())
        .as("the requeued trial still says who ran its last attempt")
        .isEqualTo("worker-1");

    Lease second = queue.claim("worker-2", Set.of("cpu"), LEASE).orElseThrow();

    assertThat(second.trialId()).isEqualTo(first.trialId());
    assertThat(trials.get(second.trialId()).workerName()).isEqualTo("worker-2");
  }

  @Test
  void a_lease_that_has_not_expired_is_not_swept() {
    create(anExperiment());
    Lease lease = claim();

    clock.advance(LEASE.minusSeconds(1));

    assertThat(queue.sweepExpired()).isZero();
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.RUNNING);
  }

  @Test
  void completing_records_the_results() {
    create(anExperiment());
    Lease lease = claim();
    clock.advance(Duration.ofSeconds(13));

    succeed(lease, 0.975, 0.974);

    Trial trial = trials.get(lease.trialId());
    assertThat(trial.status()).isEqualTo(TrialStatus.SUCCEEDED);
    assertThat(trial.testAccuracy()).isEqualTo(0.975);
    assertThat(trial.testF1Macro()).isEqualTo(0.974);
    assertThat(trial.trainSeconds()).isEqualTo(12.5);
    assertThat(trial.progress()).isEqualTo(1.0);
    assertThat(trial.finishedAt()).isEqualTo(clock.instant());
    assertThat(trial.leaseOwner()).isNull();
    assertThat(trial.workerName()).as("who ran it outlives the lease").isEqualTo("worker-1");
  }

  @Test
  void a_failure_keeps_its_reason_and_stack_trace() {
    create(anExperiment());
    Lease lease = claim();

    fail(lease);

    Trial trial = trials.get(lease.trialId());
    assertThat(trial.status()).isEqualTo(TrialStatus.FAILED);
    assertThat(trial.failureReason()).isEqualTo("CUDA out of memory");
    assertThat(trial.stackTrace()).startsWith("java.lang.RuntimeException");
  }

  @Test
  void a_trial_cannot_be_completed_twice() {
    create(anExperiment());
    Lease lease = claim();
    succeed(lease, 0.9, 0.9);

    assertThatThrownBy(() -> fail(lease)).isInstanceOf(LeaseLostException.class);
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.SUCCEEDED);
  }
}
