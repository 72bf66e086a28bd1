package dev.digitlab.server.queue;

import static dev.digitlab.server.testing.ExperimentBuilder.anExperiment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.testing.StoreContractTest;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/**
 * What makes trials survive crashes, on every database the queue runs on: fenced event appends,
 * checkpoints as resume points, superseded events, retries with backoff, timeouts, and the grace a
 * restarted server gives its workers.
 */
public abstract class CrashRecoveryContractTest extends StoreContractTest {

  static final RetryPolicy POLICY = new RetryPolicy(3, Duration.ofSeconds(5), Duration.ofHours(1));

  @Override
  protected RetryPolicy retryPolicy() {
    return POLICY;
  }

  @Test
  void a_first_attempt_starts_from_scratch_at_seq_one() {
    create(anExperiment());

    Lease lease = claim();

    assertThat(lease.resumeFrom()).isNull();
    assertThat(lease.firstSeq()).isEqualTo(1);
  }

  @Test
  void the_attempt_after_an_expired_lease_resumes_from_the_last_recorded_checkpoint() {
    create(anExperiment());
    Lease first = claim();
    stores.appendFenced(first.trialId(), 1, first.leaseToken(), metrics(1, 10));
    queue.recordCheckpoint(first.trialId(), first.leaseToken(), 6, 2);
    expire();

    Lease second = claim();

    assertThat(second.attempt()).isEqualTo(2);
    assertThat(second.resumeFrom()).isEqualTo(new ResumePoint(1, 6, 2));
    assertThat(second.firstSeq()).isEqualTo(7);
  }

  @Test
  void events_of_a_dead_attempt_after_its_checkpoint_are_superseded_by_the_next_attempt() {
    create(anExperiment());
    Lease first = claim();
    stores.appendFenced(first.trialId(), 1, first.leaseToken(), metrics(1, 10));
    queue.recordCheckpoint(first.trialId(), first.leaseToken(), 6, 2);
    expire();

    Lease second = claim();
    stores.appendFenced(second.trialId(), 2, second.leaseToken(), metrics(7, 12));

    List<TrialEvent> stream = events.after(second.trialId(), 0, 100);
    assertThat(stream)
        .extracting(e -> e.attempt() + ":" + e.seq())
        .containsExactly(
            "1:1", "1:2", "1:3", "1:4", "1:5", "1:6", "2:7", "2:8", "2:9", "2:10", "2:11", "2:12");
    assertThat(events.ofType(second.trialId(), EventType.METRIC, 0, 100)).hasSize(12);
  }

  @Test
  void without_a_checkpoint_every_event_of_the_dead_attempt_is_superseded() {
    create(anExperiment());
    Lease first = claim();
    stores.appendFenced(first.trialId(), 1, first.leaseToken(), metrics(1, 4));
    expire();

    Lease second = claim();

    assertThat(second.resumeFrom()).isNull();
    assertThat(events.after(second.trialId(), 0, 100)).isEmpty();
  }

  @Test
  void a_lost_lease_can_neither_append_events_nor_record_a_checkpoint() {
    create(anExperiment());
    Lease first = claim();
    expire();
    Lease second = claim();

    assertThatThrownBy(
            () -> stores.appendFenced(first.trialId(), 1, first.leaseToken(), metrics(1, 3)))
        .isInstanceOf(LeaseLostException.class);
    assertThatThrownBy(() -> queue.recordCheckpoint(first.trialId(), first.leaseToken(), 3, 1))
        .isInstanceOf(LeaseLostException.class);
    assertThat(events.after(second.trialId(), 0, 100)).isEmpty();
    assertThat(queue.holder(second.trialId(), second.leaseToken()).attempt()).isEqualTo(2);
  }

  @Test
  void events_of_another_attempt_are_refused_even_with_the_current_token() {
    create(anExperiment());
    Lease lease = claim();

    assertThatThrownBy(
            () -> stores.appendFenced(lease.trialId(), 2, lease.leaseToken(), metrics(1, 2)))
        .isInstanceOf(LeaseLostException.class);
  }

  @Test
  void a_retryable_failure_is_queued_again_and_waits_out_its_backoff() {
    create(anExperiment());
    Lease first = claim();

    queue.complete(
        first.trialId(),
        first.leaseToken(),
        new TrialOutcome.Failed("disk full", "trace", 1.0, true));

    assertThat(trials.get(first.trialId()).status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(trials.get(first.trialId()).failureReason()).contains("disk full");
    assertThat(claimNext()).as("during the backoff").isEmpty();
    clock.advance(POLICY.retryBackoff());
    assertThat(claim().attempt()).isEqualTo(2);
  }

  @Test
  void the_backoff_doubles_with_each_retry() {
    assertThat(POLICY.backoffBefore(2)).isEqualTo(Duration.ofSeconds(5));
    assertThat(POLICY.backoffBefore(3)).isEqualTo(Duration.ofSeconds(10));
    assertThat(POLICY.backoffBefore(4)).isEqualTo(Duration.ofSeconds(20));
  }

  @Test
  void a_retryable_failure_of_the_last_allowed_attempt_fails_the_trial() {
    create(anExperiment());
    long trialId = 0;
    for (int attempt = 1; attempt <= POLICY.maxAttempts(); attempt++) {
      clock.advance(Duration.ofMinutes(5));
      Lease lease = claim();
      trialId = lease.trialId();
      assertThat(lease.attempt()).isEqualTo(attempt);
      queue.complete(
          lease.trialId(),
          lease.leaseToken(),
          new TrialOutcome.Failed("no network", null, null, true));
    }

    clock.advance(Duration.ofMinutes(5));
    assertThat(claimNext()).isEmpty();
    assertThat(trials.get(trialId).status()).isEqualTo(TrialStatus.FAILED);
    assertThat(trials.get(trialId).attempt()).isEqualTo(POLICY.maxAttempts());
  }

  @Test
  void a_failure_that_is_not_retryable_fails_at_once() {
    create(anExperiment());
    Lease lease = claim();

    fail(lease);

    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.FAILED);
  }

  @Test
  void an_attempt_running_past_the_trial_timeout_fails_and_its_lease_is_lost() {
    create(anExperiment());
    Lease lease = claim();

    clock.advance(Duration.ofMinutes(30));
    queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE);
    assertThat(queue.failTimedOut()).isZero();
    clock.advance(Duration.ofMinutes(31));
    queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE);

    assertThat(queue.failTimedOut()).isEqualTo(1);
    assertThat(trials.get(lease.trialId()).status()).isEqualTo(TrialStatus.FAILED);
    assertThat(trials.get(lease.trialId()).failureReason()).contains("timed out");
    assertThatThrownBy(() -> queue.heartbeat(lease.trialId(), lease.leaseToken(), LEASE))
        .isInstanceOf(LeaseLostException.class);
  }

  @Test
  void a_restarted_server_gives_running_leases_a_fresh_term_before_sweeping() {
    create(anExperiment().withTrials(2));
    Lease first = claim();
    Lease second = claim();
    // the server was down for longer than a lease: no heartbeat could arrive
    clock.advance(LEASE.multipliedBy(3));

    assertThat(queue.extendRunningLeases(LEASE)).isEqualTo(2);
    assertThat(queue.sweepExpired()).isZero();
    clock.advance(LEASE.minusSeconds(10));
    queue.heartbeat(first.trialId(), first.leaseToken(), LEASE);
    clock.advance(Duration.ofSeconds(11));

    assertThat(queue.sweepExpired()).as("the silent one").isEqualTo(1);
    assertThat(trials.get(second.trialId()).status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(trials.get(first.trialId()).status()).isEqualTo(TrialStatus.RUNNING);
  }

  private void expire() {
    clock.advance(LEASE.plusSeconds(1));
    assertThat(queue.sweepExpired()).isEqualTo(1);
  }

  private static List<NewEvent> metrics(long fromSeq, long toSeq) {
    return LongStream.rangeClosed(fromSeq, toSeq)
        .mapToObj(
            seq ->
                new NewEvent(
                    seq,
                    EventType.METRIC,
                    "{\"key\":\"train_loss\",\"value\":0.5,\"step\":" + seq + ",\"epoch\":1}"))
        .toList();
  }
}
