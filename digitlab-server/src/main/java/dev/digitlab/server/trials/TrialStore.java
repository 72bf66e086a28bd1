package dev.digitlab.server.trials;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.experiments.ExperimentStore;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Trials in the database: read them, record progress, and move them between statuses as users ask
 * (cancel, retry). Workers' lease-fenced changes go through {@code TrialQueue}.
 */
@Component
public class TrialStore {

  private static final String COLUMNS =
      """
      id, experiment_id, ordinal, config, status, attempt, priority, requires, lease_owner,
      worker_name, lease_expires_at, progress, last_metrics, best_metric, test_accuracy, test_f1_macro,
      train_seconds, queued_at, started_at, finished_at, failure_reason, stack_trace,
      cancel_requested
      """;

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final ExperimentStore experiments;

  public TrialStore(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      Clock clock,
      ExperimentStore experiments) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.experiments = experiments;
  }

  public Optional<Trial> find(long id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM trial WHERE id = :id")
        .param("id", id)
        .query(TrialStore::trial)
        .optional();
  }

  public Trial get(long id) {
    return find(id).orElseThrow(() -> new TrialNotFoundException(id));
  }

  /** How many trials there are in each status, across all experiments (zero ones included). */
  public Map<TrialStatus, Long> countByStatus() {
    Map<TrialStatus, Long> counts = new EnumMap<>(TrialStatus.class);
    for (TrialStatus status : TrialStatus.values()) {
      counts.put(status, 0L);
    }
    jdbc.sql("SELECT status, COUNT(*) AS n FROM trial GROUP BY status")
        .query(
            (row, n) -> counts.put(TrialStatus.fromDb(row.getString("status")), row.getLong("n")))
        .list();
    return counts;
  }

  /** The experiment's trials in the order its search space produced them. */
  public List<Trial> listByExperiment(long experimentId) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM trial WHERE experiment_id = :id ORDER BY ordinal")
        .param("id", experimentId)
        .query(TrialStore::trial)
        .list();
  }

  /** The trials running now, on any worker, oldest start first. */
  public List<Trial> listRunning() {
    return jdbc.sql(
            "SELECT " + COLUMNS + " FROM trial WHERE status = 'running' ORDER BY started_at, id")
        .query(TrialStore::trial)
        .list();
  }

  /**
   * The queued trials in the order workers claim them (priority, then time queued), at most {@code
   * limit}: the workers page's queue view. A trial may still wait behind its experiment's parallel
   * limit or a capability no worker has.
   */
  public List<Trial> listQueued(int limit) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM trial WHERE status = 'queued' ORDER BY priority DESC, queued_at, id"
                + " LIMIT :limit")
        .param("limit", limit)
        .query(TrialStore::trial)
        .list();
  }

  /** How many trials each worker ran to each end (its latest attempts), by worker and status. */
  public Map<String, Map<TrialStatus, Long>> countEndedByWorker() {
    Map<String, Map<TrialStatus, Long>> counts = new HashMap<>();
    jdbc.sql(
            """
            SELECT worker_name, status, COUNT(*) AS n FROM trial
             WHERE worker_name IS NOT NULL AND status IN ('succeeded', 'failed', 'cancelled')
             GROUP BY worker_name, status
            """)
        .query(
            (row, n) ->
                counts
                    .computeIfAbsent(row.getString("worker_name"), k -> new HashMap<>())
                    .put(TrialStatus.fromDb(row.getString("status")), row.getLong("n")))
        .list();
    return counts;
  }

  /** The trials that ended most recently, on any worker, newest first. */
  public List<Trial> listRecentlyEnded(int limit) {
    return jdbc.sql(
            "SELECT "
                + COLUMNS
                + " FROM trial WHERE worker_name IS NOT NULL AND finished_at IS NOT NULL"
                + " AND status IN ('succeeded', 'failed', 'cancelled')"
                + " ORDER BY finished_at DESC, id DESC LIMIT :limit")
        .param("limit", limit)
        .query(TrialStore::trial)
        .list();
  }

  /** The trials with these ids that exist, in id order. */
  public List<Trial> findAll(java.util.Collection<Long> ids) {
    if (ids.isEmpty()) {
      return List.of();
    }
    return jdbc.sql("SELECT " + COLUMNS + " FROM trial WHERE id IN (:ids) ORDER BY id")
        .param("ids", ids)
        .query(TrialStore::trial)
        .list();
  }

  /**
   * Records how far the given attempt got and its latest metrics (JSON); {@code bestMetric} may be
   * null to keep the stored one. Returns false, changing nothing, when that attempt is no longer
   * running: a late report from a lost attempt must not overwrite the current one.
   */
  public boolean updateProgress(
      long trialId, int attempt, double progress, String lastMetrics, Double bestMetric) {
    return jdbc.sql(
                """
                UPDATE trial SET progress = :progress, last_metrics = :metrics,
                       best_metric = COALESCE(:best, best_metric)
                 WHERE id = :id AND attempt = :attempt AND status = 'running'
                """)
            .param("progress", progress)
            .param("metrics", lastMetrics)
            .param("best", bestMetric)
            .param("id", trialId)
            .param("attempt", attempt)
            .update()
        > 0;
  }

  /**
   * Moves a trial from {@code expected} to {@code target} if the transition table allows it and the
   * trial is still {@code expected}; its experiment is rolled up in the same transaction. Only the
   * queue starts trials, so {@code running} is not a target here. Back to queued, the trial keeps
   * its results until the next attempt replaces them and joins the end of the queue.
   *
   * @throws IllegalTrialTransitionException if the table does not allow the move
   * @throws TrialStatusConflictException if the trial is no longer {@code expected}
   * @throws TrialNotFoundException if there is no such trial
   */
  public Trial transition(long trialId, TrialStatus expected, TrialStatus target) {
    expected.checkMoveTo(target);
    if (target == TrialStatus.RUNNING) {
      throw new IllegalArgumentException(
          "A trial starts running only when a worker claims it from the queue");
    }
    return transaction.execute(
        status -> {
          String set =
              target == TrialStatus.QUEUED
                  ? "queued_at = :now, finished_at = NULL, cancel_requested = FALSE,"
                      + " failure_reason = NULL, stack_trace = NULL, not_before = NULL"
                  : "finished_at = :now";
          int changed =
              jdbc.sql(
                      "UPDATE trial SET status = :target, lease_token = NULL, lease_owner = NULL,"
                          + " lease_expires_at = NULL, "
                          + set
                          + " WHERE id = :id AND status = :expected")
                  .param("target", target.dbValue())
                  .param("now", toSql(clock.instant()))
                  .param("id", trialId)
                  .param("expected", expected.dbValue())
                  .update();
          Trial trial = get(trialId);
          if (changed == 0) {
            throw new TrialStatusConflictException(trialId, expected, trial.status());
          }
          experiments.rollUp(trial.experimentId());
          return trial;
        });
  }

  /**
   * Puts a failed or cancelled trial back in the queue, for its next attempt; if its experiment was
   * cancelled, the experiment is reopened in the same transaction, or the trial would never be
   * claimed.
   *
   * @throws IllegalArgumentException if {@code expected} is neither failed nor cancelled
   * @throws TrialStatusConflictException if the trial is no longer {@code expected}
   */
  public Trial retry(long trialId, TrialStatus expected) {
    if (expected != TrialStatus.FAILED && expected != TrialStatus.CANCELLED) {
      throw new IllegalArgumentException("Only a failed or cancelled trial is retried");
    }
    return transaction.execute(
        status -> {
          Trial trial = transition(trialId, expected, TrialStatus.QUEUED);
          experiments.reopen(trial.experimentId());
          return trial;
        });
  }

  /**
   * Asks the worker running this trial to stop; it learns so from its next heartbeat. Returns false
   * if the trial is not running.
   */
  public boolean requestCancel(long trialId) {
    return jdbc.sql(
                "UPDATE trial SET cancel_requested = TRUE WHERE id = :id AND status = 'running'")
            .param("id", trialId)
            .update()
        > 0;
  }

  /** Whether a user asked to stop this trial (false for an unknown trial). */
  public boolean cancelRequested(long trialId) {
    return jdbc.sql("SELECT cancel_requested FROM trial WHERE id = :id")
        .param("id", trialId)
        .query(Boolean.class)
        .optional()
        .orElse(false);
  }

  private static Trial trial(ResultSet row, int rowNumber) throws SQLException {
    return new Trial(
        row.getLong("id"),
        row.getLong("experiment_id"),
        row.getInt("ordinal"),
        row.getString("config"),
        TrialStatus.fromDb(row.getString("status")),
        row.getInt("attempt"),
        row.getInt("priority"),
        row.getString("requires"),
        row.getString("lease_owner"),
        row.getString("worker_name"),
        instant(row, "lease_expires_at"),
        row.getDouble("progress"),
        row.getString("last_metrics"),
        row.getObject("best_metric", Double.class),
        row.getObject("test_accuracy", Double.class),
        row.getObject("test_f1_macro", Double.class),
        row.getObject("train_seconds", Double.class),
        instant(row, "queued_at"),
        instant(row, "started_at"),
        instant(row, "finished_at"),
        row.getString("failure_reason"),
        row.getString("stack_trace"),
        row.getBoolean("cancel_requested"));
  }
}
