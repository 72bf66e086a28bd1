package dev.digitlab.server.trials;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.queue.IllegalTrialTransitionException;
import dev.digitlab.server.queue.Lease;
import dev.digitlab.server.queue.TrialNotFoundException;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.queue.TrialStatusConflictException;
import dev.digitlab.server.testing.StoreContractTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** What the trial store promises, on every database it runs on. */
public abstract class TrialStoreContractTest extends StoreContractTest {

  @Test
  void lists_the_running_trials_with_their_lease_owner_and_finds_trials_by_id() {
    Experiment experiment = create(anExperiment().withTrials(3));
    succeed(claim(), 0.9, 0.9);
    Lease first = claim();

    assertThat(trials.listRunning())
        .extracting(Trial::id, Trial::leaseOwner)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(first.trialId(), "worker-1"));
    long queued = trials.listByExperiment(experiment.id()).getLast().id();
    assertThat(trials.findAll(java.util.List.of(queued, first.trialId(), 999_999L)))
        .extracting(Trial::id)
        .containsExactly(first.trialId(), queued);
    assertThat(trials.findAll(java.util.List.of())).isEmpty();
  }

  @Test
  void progress_and_metrics_of_the_running_attempt_are_recorded() {
    create(anExperiment());
    Lease lease = claim();

    boolean recorded = queue.recordProgress(lease.trialId(), 1, 0.5, "{\"loss\":0.3}", 0.91);

    Trial trial = trials.get(lease.trialId());
    assertThat(recorded).isTrue();
    assertThat(trial.progress()).isEqualTo(0.5);
    assertThat(trial.lastMetrics()).isEqualTo("{\"loss\":0.3}");
    assertThat(trial.bestMetric()).isEqualTo(0.91);
  }

  @Test
  void a_late_report_from_a_lost_attempt_changes_nothing() {
    create(anExperiment());
    Lease first = claim();
    clock.advance(LEASE.plusSeconds(1));
    queue.sweepExpired();
    claim();
    queue.recordProgress(first.trialId(), 2, 0.2, "{\"loss\":0.9}", null);

    boolean recorded = queue.recordProgress(first.trialId(), 1, 0.8, "{\"loss\":0.1}", 0.99);

    assertThat(recorded).isFalse();
    assertThat(trials.get(first.trialId()).progress()).isEqualTo(0.2);
  }

  @Test
  void a_failed_trial_can_be_retried_and_joins_the_queue_again() {
    Experiment experiment = create(anExperiment());
    Lease lease = claim();
    fail(lease);
    clock.advance(Duration.ofMinutes(1));

    moves.transition(lease.trialId(), TrialStatus.FAILED, TrialStatus.QUEUED);
    Trial retried = trials.get(lease.trialId());

    assertThat(retried.status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(retried.queuedAt()).isEqualTo(clock.instant());
    assertThat(retried.failureReason()).isNull();
    assertThat(experiments.find(experiment.id()).orElseThrow().status())
        .as("no longer failed: its only trial waits again")
        .isEqualTo(ExperimentStatus.QUEUED);
    assertThat(claim().attempt()).isEqualTo(2);
  }

  @Test
  void a_transition_from_a_status_the_trial_has_left_is_refused() {
    create(anExperiment());
    Lease lease = claim();

    assertThatThrownBy(
            () -> moves.transition(lease.trialId(), TrialStatus.QUEUED, TrialStatus.CANCELLED))
        .isInstanceOf(TrialStatusConflictException.class)
        .hasMessageContaining("is running, not queued");
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.RUNNING);
  }

  @Test
  void a_transition_the_table_forbids_is_refused_before_touching_the_database() {
    create(anExperiment());
    Lease lease = claim();
    succeed(lease, 0.9, 0.9);

    assertThatThrownBy(
            () -> moves.transition(lease.trialId(), TrialStatus.SUCCEEDED, TrialStatus.QUEUED))
        .isInstanceOf(IllegalTrialTransitionException.class);
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.SUCCEEDED);
  }

  @Test
  void a_queued_trial_can_be_cancelled() {
    Experiment experiment = create(anExperiment());
    long trialId = trials.listByExperiment(experiment.id()).getFirst().id();

    moves.transition(trialId, TrialStatus.QUEUED, TrialStatus.CANCELLED);

    assertThat(trials.get(trialId).finishedAt()).isEqualTo(clock.instant());
    assertThat(claimNext()).isEmpty();
    assertThat(experiments.find(experiment.id()).orElseThrow().status())
        .isEqualTo(ExperimentStatus.CANCELLED);
  }

  @Test
  void an_unknown_trial_is_not_found() {
    assertThat(trials.find(404)).isEmpty();
    assertThatThrownBy(() -> trials.get(404)).isInstanceOf(TrialNotFoundException.class);
  }

  @Test
  void retrying_a_trial_of_a_cancelled_experiment_reopens_the_experiment_for_it() {
    Experiment experiment = create(anExperiment().withTrials(2));
    experiments.cancel(experiment.id());
    long trialId = trials.listByExperiment(experiment.id()).getFirst().id();

    moves.retry(trialId, TrialStatus.CANCELLED);
    Trial retried = trials.get(trialId);

    assertThat(retried.status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(experiments.find(experiment.id()).orElseThrow().status())
        .isEqualTo(ExperimentStatus.RUNNING);
    assertThat(claimNext()).hasValueSatisfying(l -> assertThat(l.trialId()).isEqualTo(trialId));
    assertThat(claimNext()).isEmpty();
  }

  @Test
  void only_a_failed_or_cancelled_trial_is_retried() {
    create(anExperiment());
    Lease lease = claim();

    assertThatThrownBy(() -> moves.retry(lease.trialId(), TrialStatus.RUNNING))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> moves.retry(lease.trialId(), TrialStatus.FAILED))
        .isInstanceOf(TrialStatusConflictException.class);
  }

  @Test
  void the_cancel_flag_is_read_for_a_running_trial() {
    create(anExperiment());
    Lease lease = claim();
    assertThat(trials.cancelRequested(lease.trialId())).isFalse();

    moves.requestCancel(lease.trialId());

    assertThat(trials.cancelRequested(lease.trialId())).isTrue();
    assertThat(trials.cancelRequested(-1)).isFalse();
  }
}
