package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;
import static dev.digitlab.server.queue.TrialStatus.FAILED;
import static dev.digitlab.server.queue.TrialStatus.PRUNED;
import static dev.digitlab.server.queue.TrialStatus.QUEUED;
import static dev.digitlab.server.queue.TrialStatus.RUNNING;
import static dev.digitlab.server.queue.TrialStatus.SUCCEEDED;

import dev.digitlab.protocol.worker.WorkerProtocol;
import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.events.EventStore;
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
 * new attempt. Every change a worker makes is fenced by its lease token. Each status guard comes
 * from {@link TrialStatus}'s transition table; other features hear of changes through {@link
 * TrialLifecycle}.
 */
@Component
@EnableConfigurationProperties(RetryPolicy.class)
public class TrialQueue {

  /**
   * Worker capabilities: a trial may require cpu or gpu (one that requires neither runs anywhere);
   * a command trial requires {@value
   * dev.digitlab.protocol.worker.WorkerProtocol#COMMAND_CAPABILITY} (a worker started with {@code
   * --allow-commands}).
   */
  public static final Set<String> CAPABILITIES =
      Set.of("cpu", "gpu", WorkerProtocol.COMMAND_CAPABILITY);

  /** {@code trial.kind} of a trial a worker trains with a built-in model. */
  public static final String BUILTIN_KIND = "builtin";

  /** {@code trial.kind} of a trial whose worker runs its experiment's program. */
  public static final String COMMAND_KIND = "command";

  /** The columns a {@link Lease} is read from. */
  private static final String LEASE_COLUMNS =
      "id, attempt, lease_token, lease_expires_at, config, checkpoint_attempt, checkpoint_seq,"
          + " checkpoint_epoch";

  private static final TrialStatus.Move CLAIM = TrialStatus.sqlMove(RUNNING, QUEUED);
  private static final TrialStatus.Move REQUEUE = TrialStatus.sqlMove(QUEUED, RUNNING);
  private static final TrialStatus.Move TIME_OUT = TrialStatus.sqlMove(FAILED, RUNNING);

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final Dialect dialect;
  private final TrialLifecycles lifecycle;
  private final EventStore events;
  private final RetryPolicy retries;

  public TrialQueue(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      Clock clock,
      Dialect dialect,
      TrialLifecycles lifecycle,
      EventStore events,
      RetryPolicy retries) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.dialect = dialect;
    this.lifecycle = lifecycle;
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
    return claim(workerName, capabilities, leaseDuration, false);
  }

  /**
   * Claims as {@link #claim(String, Set, Duration)} does; {@code inServer} says the worker runs
   * inside this server and may also take the trials whose data only the server has ({@link
   * NewTrial#serverOnly()}).
   */
  public Optional<Lease> claim(
      String workerName, Set<String> capabilities, Duration leaseDuration, boolean inServer) {
    if (!CAPABILITIES.containsAll(capabilities)) {
      throw new IllegalArgumentException(
          "Worker capabilities are cpu, gpu and command, not " + new TreeSet<>(capabilities));
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
              jdbc.sql(
                      dialect.updateReturning(
                          claimStatement(capabilities, inServer), LEASE_COLUMNS))
                  .param("owner", workerName)
                  .param("token", UUID.randomUUID())
                  .param("now", toSql(now))
                  .param("expiresAt", toSql(expiresAt));
          List<String> devices =
              capabilities.stream()
                  .filter(capability -> !capability.equals(WorkerProtocol.COMMAND_CAPABILITY))
                  .toList();
          if (!devices.isEmpty()) {
            claim = claim.param("capabilities", devices);
          }
          Optional<Lease> lease = claim.query(TrialQueue::lease).optional();
          lease.ifPresent(
              claimed -> {
                supersedeAfter(claimed);
                lifecycle.trialsChanged(experimentOf(claimed.trialId()));
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
          // Never backwards: two heartbeats on one lease (a worker retrying a request that is
          // still in flight, or two servers on one database) each read their clock before the
          // update, so the one that read it later may commit first; the other must not then
          // shorten the lease, nor tell the worker an earlier expiry than the stored one.
          // A CASE rather than GREATEST: H2 and PostgreSQL treat a NULL argument differently.
          int changed =
              jdbc.sql(
                      """
                      UPDATE trial SET lease_expires_at = CASE
                             WHEN lease_expires_at IS NULL OR lease_expires_at < :expiresAt
                             THEN :expiresAt ELSE lease_expires_at END
                       WHERE id = :id AND lease_token = :token AND %s
                      """
                          .formatted(RUNNING.sqlIs()))
                  .param("expiresAt", toSql(expiresAt))
                  .param("id", trialId)
                  .param("token", leaseToken)
                  .update();
          if (changed == 0) {
            throw new LeaseLostException(trialId);
          }
          return jdbc.sql("SELECT lease_expires_at, cancel_requested FROM trial WHERE id = :id")
              .param("id", trialId)
              .query(
                  (row, n) ->
                      new Heartbeat(
                          instant(row, "lease_expires_at"), row.getBoolean("cancel_requested")))
              .single();
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
            lifecycle.trialsChanged(experimentOf(trialId));
            return;
          }
          TrialStatus ended =
              outcome instanceof TrialOutcome.Cancelled && pruneRequested(trialId)
                  ? PRUNED
                  : outcome.status();
          var update =
              switch (outcome) {
                case TrialOutcome.Succeeded succeeded ->
                    jdbc.sql(
                            finish(
                                SUCCEEDED,
                                "test_accuracy = :accuracy, test_f1_macro = :f1,"
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
                                FAILED,
                                "failure_reason = :reason, stack_trace = :trace,"
                                    + " train_seconds = :seconds"))
                        .param("reason", failed.reason())
                        .param("trace", failed.stackTrace())
                        .param("seconds", failed.trainSeconds());
                // A pruner's stop arrives as a cancel; the trial it asked to stop is pruned.
                case TrialOutcome.Cancelled cancelled ->
                    jdbc.sql(finish(ended, "train_seconds = :seconds"))
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
          long experimentId = experimentOf(trialId);
          lifecycle.trialsChanged(experimentId);
          lifecycle.trialEnded(trialId, experimentId, ended);
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
                       WHERE %s AND lease_expires_at < :now
                       ORDER BY id FOR UPDATE
                      """
                          .formatted(RUNNING.sqlIs()))
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
                        UPDATE trial SET %s, lease_token = NULL,
                               lease_owner = NULL, lease_expires_at = NULL
                         WHERE id = :id AND %s AND lease_expires_at < :now
                        """
                            .formatted(REQUEUE.set(), REQUEUE.guard()))
                    .param("id", trial[0])
                    .param("now", toSql(now))
                    .update();
            experimentIds.add(trial[1]);
          }
          experimentIds.forEach(lifecycle::trialsChanged);
          return requeued;
        });
  }

  private boolean retryLater(long trialId, UUID leaseToken, TrialOutcome.Failed failed) {
    Integer attempt =
        jdbc.sql(
                "SELECT attempt FROM trial WHERE id = :id AND lease_token = :token AND "
                    + RUNNING.sqlIs()
                    + " FOR UPDATE")
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
            UPDATE trial SET %s, failure_reason = :reason, stack_trace = :trace,
                   not_before = :notBefore, lease_token = NULL, lease_owner = NULL,
                   lease_expires_at = NULL
             WHERE id = :id AND %s
            """
                .formatted(REQUEUE.set(), REQUEUE.guard()))
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

  /** A lease from a row with {@link #LEASE_COLUMNS}. */
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
                 WHERE id = :id AND lease_token = :token AND %s
                """
                    .formatted(RUNNING.sqlIs()))
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
            "SELECT "
                + LEASE_COLUMNS
                + " FROM trial WHERE id = :id AND lease_token = :token AND "
                + RUNNING.sqlIs())
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
                       WHERE %s AND kind IN ('builtin', 'command') AND started_at < :limit
                       ORDER BY id FOR UPDATE
                      """
                          .formatted(RUNNING.sqlIs()))
                  .param("limit", toSql(now.minus(retries.trialTimeout())))
                  .query((row, n) -> new long[] {row.getLong("id"), row.getLong("experiment_id")})
                  .list();
          Set<Long> experimentIds = new TreeSet<>();
          for (long[] trial : late) {
            jdbc.sql(
                    """
                    UPDATE trial SET %s, failure_reason = :reason,
                           finished_at = :now, lease_token = NULL, lease_owner = NULL,
                           lease_expires_at = NULL
                     WHERE id = :id AND %s
                    """
                        .formatted(TIME_OUT.set(), TIME_OUT.guard()))
                .param("reason", "timed out: ran longer than " + retries.trialTimeout())
                .param("now", toSql(now))
                .param("id", trial[0])
                .update();
            experimentIds.add(trial[1]);
            lifecycle.trialEnded(trial[0], trial[1], FAILED);
          }
          experimentIds.forEach(lifecycle::trialsChanged);
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
             WHERE %s AND lease_expires_at < :expiresAt
            """
                .formatted(RUNNING.sqlIs()))
        .param("expiresAt", toSql(clock.instant().plus(grace)))
        .update();
  }

  /**
   * Moves the next trial this worker can run from queued to running under a new lease. Parameters:
   * {@code :owner}, {@code :token}, {@code :now}, {@code :expiresAt}, and {@code :capabilities}
   * when there are some.
   */
  private static String claimStatement(Set<String> capabilities, boolean inServer) {
    boolean devices =
        capabilities.stream().anyMatch(c -> !c.equals(WorkerProtocol.COMMAND_CAPABILITY));
    String requirement =
        (devices ? "(t.requires IS NULL OR t.requires IN (:capabilities))" : "t.requires IS NULL")
            + (inServer ? "" : " AND NOT t.server_only");
    // Only a worker that opted in to running programs takes a command trial.
    String kinds =
        capabilities.contains(WorkerProtocol.COMMAND_CAPABILITY)
            ? "t.kind IN ('builtin', 'command')"
            : "t.kind = 'builtin'";
    String pick =
        """
        SELECT t.id FROM trial t JOIN experiment e ON e.id = t.experiment_id
         WHERE t.%s AND %s AND e.status <> 'cancelled' AND %s
           AND (t.not_before IS NULL OR t.not_before <= :now)
           AND (SELECT COUNT(*) FROM trial r
                 WHERE r.experiment_id = t.experiment_id AND r.%s
                   AND r.kind IN ('builtin', 'command'))
               < e.max_parallel_trials
         ORDER BY t.priority DESC, t.queued_at, t.id
         LIMIT 1 FOR UPDATE OF t SKIP LOCKED
        """
            .formatted(QUEUED.sqlIs(), kinds, requirement, RUNNING.sqlIs());
    return """
        UPDATE trial SET %s, attempt = attempt + 1, lease_token = :token, lease_owner = :owner,
               worker_name = :owner, lease_expires_at = :expiresAt, started_at = :now, progress = 0
         WHERE id = (%s) AND %s
        """
        .formatted(CLAIM.set(), pick, CLAIM.guard());
  }

  /**
   * Whether a pruner asked this trial to stop ({@link PrunedTrials}); locks its row, so a prune
   * request cannot slip in between this read and the attempt's end.
   */
  private boolean pruneRequested(long trialId) {
    return jdbc.sql("SELECT prune_requested FROM trial WHERE id = :id FOR UPDATE")
        .param("id", trialId)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }

  private static String finish(TrialStatus target, String results) {
    TrialStatus.Move move = TrialStatus.sqlMove(target, RUNNING);
    return "UPDATE trial SET "
        + move.set()
        + ", "
        + results
        + ", finished_at = :now, lease_token = NULL, lease_owner = NULL, lease_expires_at = NULL"
        + " WHERE id = :id AND lease_token = :token AND "
        + move.guard();
  }

  /**
   * Locks the trial's row while {@code leaseToken} holds this attempt of it, for a change fenced by
   * the lease in the caller's transaction (an event batch): a sweeper requeueing the trial waits
   * for it, and a change after the sweep fails here. Returns whether the trial was asked to stop (a
   * user's cancel, or a prune decided on an earlier batch), read with the lock: the answer to an
   * event batch needs it, and reading it here saves a query per batch.
   *
   * @throws LeaseLostException if the token no longer holds the attempt
   */
  public boolean fence(long trialId, int attempt, UUID leaseToken) {
    return jdbc.sql(
            "SELECT cancel_requested FROM trial WHERE id = :id AND lease_token = :token"
                + " AND attempt = :attempt AND "
                + RUNNING.sqlIs()
                + " FOR UPDATE")
        .param("id", trialId)
        .param("token", leaseToken)
        .param("attempt", attempt)
        .query(Boolean.class)
        .optional()
        .orElseThrow(() -> new LeaseLostException(trialId));
  }

  /**
   * Records how far the given attempt got and its latest metrics (JSON); {@code bestMetric} may be
   * null to keep the stored one. Returns false, changing nothing, when that attempt is no longer
   * running: a late report from a lost attempt must not overwrite the current one.
   */
  public boolean recordProgress(
      long trialId, int attempt, double progress, String lastMetrics, Double bestMetric) {
    return jdbc.sql(
                """
                UPDATE trial SET progress = :progress, last_metrics = :metrics,
                       best_metric = COALESCE(:best, best_metric)
                 WHERE id = :id AND attempt = :attempt AND %s
                """
                    .formatted(RUNNING.sqlIs()))
            .param("progress", progress)
            .param("metrics", lastMetrics)
            .param("best", bestMetric)
            .param("id", trialId)
            .param("attempt", attempt)
            .update()
        > 0;
  }

  private long experimentOf(long trialId) {
    return jdbc.sql("SELECT experiment_id FROM trial WHERE id = :id")
        .param("id", trialId)
        .query(Long.class)
        .single();
  }
}
