package dev.digitlab.server.trials;

import static dev.digitlab.server.database.Timestamps.instant;

import dev.digitlab.server.queue.TrialNotFoundException;
import dev.digitlab.server.queue.TrialStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Trials in the database, read: every change to a trial's row goes through the queue ({@code
 * TrialQueue} for workers, {@code TrialMoves} for users and experiments).
 */
@Component
public class TrialStore {

  private static final String COLUMNS =
      """
      id, experiment_id, ordinal, config, status, attempt, priority, requires, lease_owner,
      worker_name, lease_expires_at, progress, last_metrics, best_metric, test_accuracy, test_f1_macro,
      train_seconds, queued_at, started_at, finished_at, failure_reason, stack_trace,
      cancel_requested, kind, lifecycle_stage
      """;

  private final JdbcClient jdbc;

  public TrialStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
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
   * The experiment a trial belongs to, as trial pages and checks need it: its name, owner, dataset
   * and objective metric. Empty if the trial or its experiment is gone.
   */
  public Optional<TrialExperiment> experimentOf(long trialId) {
    return jdbc.sql(
            """
            SELECT e.id, e.name, e.owner, e.dataset, e.objective_metric
              FROM trial t JOIN experiment e ON e.id = t.experiment_id WHERE t.id = :id
            """)
        .param("id", trialId)
        .query(
            (row, n) ->
                new TrialExperiment(
                    row.getLong("id"),
                    row.getString("name"),
                    row.getString("owner"),
                    row.getString("dataset"),
                    row.getString("objective_metric")))
        .optional();
  }

  /**
   * The latest value of a metric the trial's program logged through the MLflow API; empty when it
   * logged none.
   */
  public Optional<Double> loggedMetric(long trialId, String key) {
    return jdbc.sql(
            "SELECT metric_value FROM run_metric WHERE trial_id = :id AND metric_key = :key")
        .param("id", trialId)
        .param("key", key)
        .query(Double.class)
        .optional();
  }

  /**
   * The latest value of each metric the trials of an experiment logged through the MLflow API, by
   * trial id (trials that logged none are absent): what the experiment page charts for runs logged
   * from outside, which report no metrics of ours.
   */
  public Map<Long, Map<String, Double>> loggedMetricsOfExperiment(long experimentId) {
    Map<Long, Map<String, Double>> out = new HashMap<>();
    jdbc.sql(
            """
            SELECT m.trial_id, m.metric_key, m.metric_value
              FROM run_metric m JOIN trial t ON t.id = m.trial_id
             WHERE t.experiment_id = :id
            """)
        .param("id", experimentId)
        .query(
            row -> {
              out.computeIfAbsent(row.getLong("trial_id"), k -> new TreeMap<>())
                  .put(row.getString("metric_key"), row.getDouble("metric_value"));
            });
    return out;
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
        row.getBoolean("cancel_requested"),
        row.getString("kind"),
        row.getString("lifecycle_stage"));
  }
}
