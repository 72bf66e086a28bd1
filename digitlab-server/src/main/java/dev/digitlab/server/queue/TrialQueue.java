package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.ExperimentStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The database is the queue: workers claim queued trials as leases, keep them with heartbeats and
 * complete them; a lease whose worker went silent expires and the sweeper requeues the trial for a
 * new attempt. Every change a worker makes is fenced by its lease token.
 */
@Component
@EnableConfigurationProperties(RetryPolicy.class)
public class TrialQueue {

  /** Worker capabilities a trial may require; a trial that requires none runs anywhere. */
  public static final Set<String> CAPABILITIES = Set.of("cpu", "gpu");

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final Dialect dialect;
  private final ExperimentStore experiments;
  private final EventStore events;
  private final RetryPolicy retries;

  public TrialQueue(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      Clock clock,
      Dialect dialect,
      ExperimentStore experiments,
      EventStore events,
      RetryPolicy retries) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.dialect = dialect;
    this.experiments = experiments;
    this.events = events;
    this.retries = retries;
  }

  /**
   * Claims the next trial this worker can run: highest priority first, then first in, first out;
   * never one of a cancelled experiment, nor one whose experiment already runs its maximum of
   * parallel trials, nor one waiting out a retry backoff. Empty when there is nothing to do.
   *
   * <p>A claim after an earlier attempt resumes from the trial's last delivered checkpoint: the
   * earlier attempts' events after that checkpoint are superseded in the same transaction, so the
   * new attempt's events replace them and every epoch appears once.
   */
  public Optional<Lease> claim(
      String workerName, Set<String> capabilities, Duration leaseDuration) {
    if (!CAPABILITIES.containsAll(capabilities)) {
      throw new IllegalArgumentException(
          "Worker capabilities are cpu and gpu, not " + new TreeSet<>(capabilities));
    }
    Instant now = clock.instant();
    Instant expiresAt = now.plus(leaseDuration);
    return transaction.execute(
        status -> {
          // Claims are serialised on one row. The statement below also checks each experiment's
          // running count, and two claimers reading that count at once could both take its last
          // free slot; SKIP LOCKED alone only stops them from taking the same trial.
          jdbc.sql("SELECT id FROM queue_claim_lock WHERE id = 1 FOR UPDATE").query().listOfRows();
          var claim =
              jdbc.sql(dialect.claimTrial(pickNextQueuedTrial(capabilities)))
                  .param("owner", workerName)
                  .param("token", UUID.randomUUID())
                  .param("now", toSql(now))
                  .param("expiresAt", toSql(expiresAt));
          if (!capabilities.isEmpty()) {
            claim = claim.param("capabilities", List.copyOf(capabilities));
          }
          Optional<Lease> lease = claim.query(TrialQueue::lease).optional();
          lease.ifPresent(
              claimed -> {
                supersedeAfter(claimed);
                experiments.rollUp(experimentOf(claimed.trialId()));
              });
          return lease;
        });
  }

  /**
   * Extends the lease by {@code leaseDuration} from now.
   *
   * @throws LeaseLostException if the token no longer holds the trial
   */
  public Heartbeat heartbeat(long trialId, UUID leaseToken, Duration leaseDuration) {
    Instant expiresAt = clock.instant().plus(leaseDuration);
    return transaction.execute(
        status -> {
          int changed =
              jdbc.sql(
                      """
                      UPDATE trial SET lease_expires_at = :expiresAt
                       WHERE id = :id AND lease_token = :token AND status = 'running'
                      """)
                  .param("expiresAt", toSql(expiresAt))
                  .param("id", trialId)
                  .param("token", leaseToken)
                  .update();
          if (changed == 0) {
            throw new LeaseLostException(trialId);
          }
          boolean cancelRequested =
              jdbc.sql("SELECT cancel_requested FROM trial WHERE id = :id")
                  .param("id", trialId)
                  .query(Boolean.class)
                  .single();
          return new Heartbeat(expiresAt, cancelRequested);
        });
  }

  /**
   * Ends the attempt with its outcome and rolls up the experiment. A retryable failure of an
   * attempt below the policy's maximum puts the trial back in the queue instead, to be claimed
   * again after the backoff.
   *
   * @throws LeaseLostException if the token no longer holds the trial: the outcome is ignored
   */
  public void complete(long trialId, UUID leaseToken, TrialOutcome outcome) {
    transaction.executeWithoutResult(
        status -> {
          if (outcome instanceof TrialOutcome.Failed failed
              && failed.retryable()
              && retryLater(trialId, leaseToken, failed)) {
            experiments.rollUp(experimentOf(trialId));
            return;
          }
          var update =
              switch (outcome) {
                case TrialOutcome.Succeeded succeeded ->
                    jdbc.sql(
                            finish(
                                "'succeeded', test_accuracy = :accuracy, test_f1_macro = :f1,"
                                    + " best_metric = COALESCE(:best, best_metric),"
                                    + " train_seconds = :seconds, last_metrics = :metrics,"
                                    + " progress = 1"))
                        .param("accuracy", succeeded.testAccuracy())
                        .param("f1", succeeded.testF1Macro())
                        .param("best", succeeded.bestMetric())
                        .param("seconds", succeeded.trainSeconds())
                        .param("metrics", succeeded.lastMetrics());
                case TrialOutcome.Failed failed ->
                    jdbc.sql(
                            finish(
                                "'failed', failure_reason = :reason, stack_trace = :trace,"
                                    + " train_seconds = :seconds"))
                        .param("reason", failed.reason())
                        .param("trace", failed.stackTrace())
                        .param("seconds", failed.trainSeconds());
                // A pruner's stop arrives as a cancel; the trial it asked to stop is pruned.
                case TrialOutcome.Cancelled cancelled ->
                    jdbc.sql(
                            finish(
                                "CASE WHEN prune_requested THEN 'pruned' ELSE 'cancelled' END,"
                                    + " train_seconds = :seconds"))
                        .param("seconds", cancelled.trainSeconds());
              };
          int changed =
              update
                  .param("now", toSql(clock.instant()))
                  .param("id", trialId)
                  .param("token", leaseToken)
                  .update();
          if (changed == 0) {
            throw new LeaseLostException(trialId);
          }
          experiments.rollUp(experimentOf(trialId));
        });
  }

  /**
   * Puts every running trial whose lease expired back in the queue, keeping its place (its original
   * queued time); its next claim is a new attempt. Returns how many were requeued.
   */
  public int sweepExpired() {
    Instant now = clock.instant();
    return transaction.execute(
        status -> {
          List<long[]> expired =
              jdbc.sql(
                      """
                      SELECT id, experiment_id FROM trial
                       WHERE status = 'running' AND lease_expires_at < :now
                       ORDER BY id FOR UPDATE
                      """)
                  .param("now", toSql(now))
                  .query((row, n) -> new long[] {row.getLong("id"), row.getLong("experiment_id")})
                  .list();
          int requeued = 0;
          Set<Long> experimentIds = new TreeSet<>();
          for (long[] trial : expired) {
            // the guard again: a heartbeat may have extended the lease since the select
            requeued +=
                jdbc.sql(
                        """
                        UPDATE trial SET status = 'queued', lease_token = NULL,
                               lease_owner = NULL, lease_expires_at = NULL
                         WHERE id = :id AND status = 'running' AND lease_expires_at < :now
                        """)
                    .param("id", trial[0])
                    .param("now", toSql(now))
                    .update();
            experimentIds.add(trial[1]);
          }
          experimentIds.forEach(experiments::rollUp);
          return requeued;
        });
  }

  private boolean retryLater(long trialId, UUID leaseToken, TrialOutcome.Failed failed) {
    Integer attempt =
        jdbc.sql(
                "SELECT attempt FROM trial WHERE id = :id AND lease_token = :token"
                    + " AND status = 'running' FOR UPDATE")
            .param("id", trialId)
            .param("token", leaseToken)
            .query(Integer.class)
            .optional()
            .orElseThrow(() -> new LeaseLostException(trialId));
    if (attempt >= retries.maxAttempts()) {
      return false;
    }
    Instant now = clock.instant();
    jdbc.sql(
            """
            UPDATE trial SET status = 'queued', failure_reason = :reason, stack_trace = :trace,
                   not_before = :notBefore, lease_token = NULL, lease_owner = NULL,
                   lease_expires_at = NULL
             WHERE id = :id
            """)
        .param("reason", "attempt " + attempt + " failed, retrying: " + failed.reason())
        .param("trace", failed.stackTrace())
        .param("notBefore", toSql(now.plus(retries.backoffBefore(attempt + 1))))
        .param("id", trialId)
        .update();
    return true;
  }

  private void supersedeAfter(Lease lease) {
    if (lease.attempt() == 1) {
      return;
    }
    events.supersedeAfter(lease.trialId(), lease.attempt(), lease.firstSeq());
  }

  /** A lease from a row with the claim's columns (see {@code Dialect.claimTrial}). */
  private static Lease lease(ResultSet row, int rowNumber) throws SQLException {
    return new Lease(
        row.getLong("id"),
        row.getInt("attempt"),
        row.getObject("lease_token", UUID.class),
        instant(row, "lease_expires_at"),
        row.getString("config"),
        resumePoint(row));
  }

  private static ResumePoint resumePoint(ResultSet row) throws SQLException {
    Integer attempt = row.getObject("checkpoint_attempt", Integer.class);
    if (attempt == null) {
      return null;
    }
    return new ResumePoint(attempt, row.getLong("checkpoint_seq"), row.getInt("checkpoint_epoch"));
  }

  /**
   * Records that the lease's attempt delivered a checkpoint: every event up to {@code seq} is
   * stored, and the checkpoint holds {@code epoch} epochs. A later attempt resumes from it.
   *
   * @throws LeaseLostException if the token no longer holds the trial
   */
  public void recordCheckpoint(long trialId, UUID leaseToken, long seq, int epoch) {
    int changed =
        jdbc.sql(
                """
                UPDATE trial SET checkpoint_attempt = attempt, checkpoint_seq = :seq,
                       checkpoint_epoch = :epoch
                 WHERE id = :id AND lease_token = :token AND status = 'running'
                """)
            .param("seq", seq)
            .param("epoch", epoch)
            .param("id", trialId)
            .param("token", leaseToken)
            .update();
    if (changed == 0) {
      throw new LeaseLostException(trialId);
    }
  }

  /**
   * The lease the token holds, with the trial's latest recorded checkpoint.
   *
   * @throws LeaseLostException if the token no longer holds the trial
   */
  public Lease holder(long trialId, UUID leaseToken) {
    return jdbc.sql(
            """
            SELECT id, attempt, lease_token, lease_expires_at, config, checkpoint_attempt,
                   checkpoint_seq, checkpoint_epoch
              FROM trial WHERE id = :id AND lease_token = :token AND status = 'running'
            """)
        .param("id", trialId)
        .param("token", leaseToken)
        .query(TrialQueue::lease)
        .optional()
        .orElseThrow(() -> new LeaseLostException(trialId));
  }

  /**
   * Fails every running attempt that started longer than the policy's trial timeout ago; their
   * workers learn it from their next heartbeat (409). Returns how many timed out.
   */
  public int failTimedOut() {
    if (retries.trialTimeout().isZero()) {
      return 0;
    }
    Instant now = clock.instant();
    return transaction.execute(
        status -> {
          List<long[]> late =
              jdbc.sql(
                      """
                      SELECT id, experiment_id FROM trial
                       WHERE status = 'running' AND started_at < :limit ORDER BY id FOR UPDATE
                      """)
                  .param("limit", toSql(now.minus(retries.trialTimeout())))
                  .query((row, n) -> new long[] {row.getLong("id"), row.getLong("experiment_id")})
                  .list();
          Set<Long> experimentIds = new TreeSet<>();
          for (long[] trial : late) {
            jdbc.sql(
                    """
                    UPDATE trial SET status = 'failed', failure_reason = :reason,
                           finished_at = :now, lease_token = NULL, lease_owner = NULL,
                           lease_expires_at = NULL
                     WHERE id = :id AND status = 'running'
                    """)
                .param("reason", "timed out: ran longer than " + retries.trialTimeout())
                .param("now", toSql(now))
                .param("id", trial[0])
                .update();
            experimentIds.add(trial[1]);
          }
          experimentIds.forEach(experiments::rollUp);
          return late.size();
        });
  }

  /**
   * Gives every running lease another {@code grace} from now: a server that was down could not take
   * its workers' heartbeats, and should not count that silence against them. Returns how many
   * running trials there are.
   */
  public int extendRunningLeases(Duration grace) {
    return jdbc.sql(
            """
            UPDATE trial SET lease_expires_at = :expiresAt
             WHERE status = 'running' AND lease_expires_at < :expiresAt
            """)
        .param("expiresAt", toSql(clock.instant().plus(grace)))
        .update();
  }

  private String pickNextQueuedTrial(Set<String> capabilities) {
    String requirement =
        capabilities.isEmpty()
            ? "t.requires IS NULL"
            : "(t.requires IS NULL OR t.requires IN (:capabilities))";
    return """
        SELECT t.id FROM trial t JOIN experiment e ON e.id = t.experiment_id
         WHERE t.status = 'queued' AND e.status <> 'cancelled' AND %s
           AND (t.not_before IS NULL OR t.not_before <= :now)
           AND (SELECT COUNT(*) FROM trial r
                 WHERE r.experiment_id = t.experiment_id AND r.status = 'running')
               < e.max_parallel_trials
         ORDER BY t.priority DESC, t.queued_at, t.id
         LIMIT 1 FOR UPDATE OF t SKIP LOCKED
        """
        .formatted(requirement);
  }

  private static String finish(String statusAndResults) {
    return "UPDATE trial SET status = "
        + statusAndResults
        + ", finished_at = :now, lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL"
        + " WHERE id = :id AND lease_token = :token AND status = 'running'";
  }

  private long experimentOf(long trialId) {
    return jdbc.sql("SELECT experiment_id FROM trial WHERE id = :id")
        .param("id", trialId)
        .query(Long.class)
        .single();
  }
}
