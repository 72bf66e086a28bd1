package dev.digitlab.server.queue;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.database.Dialect;
import dev.digitlab.server.experiments.ExperimentStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
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
public class TrialQueue {

  /** Worker capabilities a trial may require; a trial that requires none runs anywhere. */
  public static final Set<String> CAPABILITIES = Set.of("cpu", "gpu");

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final Dialect dialect;
  private final ExperimentStore experiments;

  public TrialQueue(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      Clock clock,
      Dialect dialect,
      ExperimentStore experiments) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.dialect = dialect;
    this.experiments = experiments;
  }

  /**
   * Claims the next trial this worker can run: highest priority first, then first in, first out;
   * never one of a cancelled experiment, nor one whose experiment already runs its maximum of
   * parallel trials. Empty when there is nothing to do.
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
          Optional<Lease> lease =
              claim
                  .query(
                      (row, n) ->
                          new Lease(
                              row.getLong("id"),
                              row.getInt("attempt"),
                              row.getObject("lease_token", UUID.class),
                              instant(row, "lease_expires_at"),
                              row.getString("config")))
                  .optional();
          lease.ifPresent(claimed -> experiments.rollUp(experimentOf(claimed.trialId())));
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
   * Ends the attempt with its outcome and rolls up the experiment.
   *
   * @throws LeaseLostException if the token no longer holds the trial: the outcome is ignored
   */
  public void complete(long trialId, UUID leaseToken, TrialOutcome outcome) {
    transaction.executeWithoutResult(
        status -> {
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
                case TrialOutcome.Cancelled cancelled ->
                    jdbc.sql(finish("'cancelled', train_seconds = :seconds"))
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

  private String pickNextQueuedTrial(Set<String> capabilities) {
    String requirement =
        capabilities.isEmpty()
            ? "t.requires IS NULL"
            : "(t.requires IS NULL OR t.requires IN (:capabilities))";
    return """
        SELECT t.id FROM trial t JOIN experiment e ON e.id = t.experiment_id
         WHERE t.status = 'queued' AND e.status <> 'cancelled' AND %s
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
