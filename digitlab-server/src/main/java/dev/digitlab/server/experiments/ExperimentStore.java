package dev.digitlab.server.experiments;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.queue.TrialLifecycle;
import dev.digitlab.server.queue.TrialMoves;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Experiments in the database: create with their trials, read, list, delete, roll up. Their trials'
 * rows are the queue's: it adds, cancels and deletes them, and tells this store of every change (as
 * a {@link TrialLifecycle}) so that the experiment rolls up in the same transaction.
 */
@Component
public class ExperimentStore implements TrialLifecycle {

  private static final String COLUMNS =
      """
      id, name, owner, description, tags, dataset, spec, objective_metric, objective_goal,
      max_parallel_trials, priority, status, best_trial_id, best_objective, best_test_accuracy,
      best_test_f1_macro, total_train_seconds, created_at, updated_at
      """;

  /** A trial that is not soft-deleted (the runs table's delete, MLflow's runs/delete). */
  private static final String ACTIVE_TRIAL = "lifecycle_stage = 'active'";

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final TrialMoves trials;

  public ExperimentStore(
      JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock, TrialMoves trials) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.trials = trials;
  }

  /** Stores the experiment and all its trials, queued, in one transaction; returns it stored. */
  public Experiment create(NewExperiment experiment) {
    Instant now = clock.instant();
    long id =
        transaction.execute(
            status -> {
              KeyHolder key = new GeneratedKeyHolder();
              jdbc.sql(
                      """
                      INSERT INTO experiment (name, owner, description, tags, dataset, spec,
                          objective_metric, objective_goal, max_parallel_trials, priority,
                          status, created_at, updated_at)
                      VALUES (:name, :owner, :description, :tags, :dataset, :spec, :metric,
                          :goal, :maxParallel, :priority, :status, :now, :now)
                      """)
                  .param("name", experiment.name())
                  .param("owner", experiment.owner())
                  .param("description", experiment.description())
                  .param("tags", joinTags(experiment.tags()))
                  .param("dataset", experiment.dataset())
                  .param("spec", experiment.spec())
                  .param("metric", experiment.objective().metric().configName())
                  .param("goal", experiment.objective().goal().configName())
                  .param("maxParallel", experiment.maxParallelTrials())
                  .param("priority", experiment.priority())
                  .param("status", ExperimentStatus.QUEUED.dbValue())
                  .param("now", toSql(now))
                  .update(key, "id");
              long experimentId = key.getKeyAs(Number.class).longValue();
              trials.enqueue(experimentId, experiment.priority(), experiment.trials());
              return experimentId;
            });
    return find(id).orElseThrow();
  }

  public Optional<Experiment> find(long id) {
    return jdbc.sql("SELECT " + COLUMNS + " FROM experiment WHERE id = :id")
        .param("id", id)
        .query(ExperimentStore::experiment)
        .optional();
  }

  /**
   * Who owns the experiment, for a check before changing it or one of its trials; empty if there is
   * no such experiment.
   */
  public Optional<String> owner(long id) {
    return jdbc.sql("SELECT owner FROM experiment WHERE id = :id")
        .param("id", id)
        .query(String.class)
        .optional();
  }

  /** One page of experiments matching the query's filters, in its order. */
  public Page<Experiment> list(ExperimentQuery query) {
    List<String> conditions = new ArrayList<>();
    // Deleted through the MLflow API (restorable there), and MLflow's Default experiment while
    // nobody has logged into it: neither is worth a line of the list.
    conditions.add(
        "lifecycle_stage = 'active'"
            + " AND (id <> 0 OR EXISTS (SELECT 1 FROM trial WHERE experiment_id = 0))");
    Map<String, Object> params = new LinkedHashMap<>();
    if (query.status() != null) {
      conditions.add("status = :status");
      params.put("status", query.status().dbValue());
    }
    if (query.owner() != null) {
      conditions.add("owner = :owner");
      params.put("owner", query.owner());
    }
    if (query.tag() != null) {
      conditions.add("tags LIKE :tag ESCAPE '\\'");
      params.put("tag", "%," + escapeLike(query.tag()) + ",%");
    }
    if (query.nameContains() != null && !query.nameContains().isBlank()) {
      conditions.add("LOWER(name) LIKE :name ESCAPE '\\'");
      params.put("name", "%" + escapeLike(query.nameContains().toLowerCase(Locale.ROOT)) + "%");
    }
    String where = conditions.isEmpty() ? "" : " WHERE " + String.join(" AND ", conditions);
    String direction = query.descending() ? "DESC" : "ASC";
    long total =
        jdbc.sql("SELECT COUNT(*) FROM experiment" + where)
            .params(params)
            .query(Long.class)
            .single();
    List<Experiment> items =
        jdbc.sql(
                "SELECT "
                    + COLUMNS
                    + " FROM experiment"
                    + where
                    + " ORDER BY "
                    + query.sort().column
                    + " "
                    + direction
                    + " NULLS LAST, id "
                    + direction
                    + " LIMIT :limit OFFSET :offset")
            .params(params)
            .param("limit", query.limit())
            .param("offset", query.offset())
            .query(ExperimentStore::experiment)
            .list();
    return new Page<>(items, total, query.offset(), query.limit());
  }

  /** Deletes the experiment with its trials and their events; false if there was none. */
  public boolean delete(long id) {
    return Boolean.TRUE.equals(
        transaction.execute(
            status -> {
              // Trials first (their events go by ON DELETE CASCADE), then the experiment: the
              // order in which claims and completions lock rows, so a delete cannot deadlock
              // with a worker finishing one of these trials.
              trials.deleteExperiment(id);
              return jdbc.sql("DELETE FROM experiment WHERE id = :id").param("id", id).update() > 0;
            }));
  }

  /**
   * Cancels the experiment: its queued trials become cancelled at once, its running trials are
   * asked to stop (their workers see it on the next heartbeat), and no trial of it is claimed
   * again. Returns false if there is no such experiment.
   */
  public boolean cancel(long id) {
    return Boolean.TRUE.equals(
        transaction.execute(
            status -> {
              // Trials first, then the experiment row, the order claims lock them in.
              trials.cancelExperiment(id);
              int changed =
                  jdbc.sql("UPDATE experiment SET status = 'cancelled' WHERE id = :id")
                      .param("id", id)
                      .update();
              if (changed > 0) {
                rollUp(id);
              }
              return changed > 0;
            }));
  }

  /**
   * Lifts a cancellation, for a trial that a user retries: a cancelled experiment is rolled up from
   * its trials again (and its queued trials can be claimed). Call it in the transaction that
   * requeued the trial. Nothing changes for an experiment that is not cancelled.
   */
  @Override
  public void trialRetried(long experimentId) {
    reopen(experimentId);
  }

  /** Rolls the experiment up in the transaction that changed its trials. */
  @Override
  public void trialsChanged(long experimentId) {
    rollUp(experimentId);
  }

  /** See {@link #trialRetried}. */
  public void reopen(long experimentId) {
    transaction.executeWithoutResult(
        status -> {
          int changed =
              jdbc.sql(
                      "UPDATE experiment SET status = 'running' WHERE id = :id"
                          + " AND status = 'cancelled'")
                  .param("id", experimentId)
                  .update();
          if (changed > 0) {
            rollUp(experimentId);
          }
        });
  }

  /**
   * Recomputes the experiment's status, best trial and best figures from its trials. Call it in the
   * transaction that changed a trial: it locks the experiment row first, so that two trials
   * finishing at once cannot each roll up without the other.
   */
  public void rollUp(long experimentId) {
    transaction.executeWithoutResult(
        status -> {
          Optional<ObjectiveAndStatus> current =
              jdbc.sql(
                      """
                      SELECT objective_metric, objective_goal, status, dataset FROM experiment
                       WHERE id = :id FOR UPDATE
                      """)
                  .param("id", experimentId)
                  .query(
                      (row, n) ->
                          new ObjectiveAndStatus(
                              objective(
                                  row.getString("objective_metric"),
                                  row.getString("objective_goal")),
                              // An MLflow experiment (its runs logged from outside) cannot be
                              // cancelled: its status is its runs', whatever an older server set.
                              ExternalTrials.EXPERIMENT_DATASET.equals(row.getString("dataset"))
                                  ? ExperimentStatus.RUNNING
                                  : ExperimentStatus.fromDb(row.getString("status"))))
                  .optional();
          if (current.isEmpty()) {
            return; // deleted meanwhile: nothing to roll up
          }
          Objective objective = current.get().objective();
          // The status counts every trial, deleted ones too (they all stopped, and an experiment
          // whose trials were all deleted is not "queued"); the best and the totals leave
          // deleted trials out, as MLflow users expect of a deleted run.
          TrialCounts counts = countTrials(experimentId, true);
          // An experiment without an objective (MLflow's) has no best trial.
          Optional<Best> best =
              objective == null ? Optional.empty() : best(experimentId, objective);
          jdbc.sql(
                  """
                  UPDATE experiment SET status = :status, best_trial_id = :bestTrial,
                         best_objective = :bestObjective,
                         best_test_accuracy = (SELECT MAX(test_accuracy) FROM trial
                            WHERE experiment_id = :id AND status = 'succeeded' AND %1$s),
                         best_test_f1_macro = (SELECT MAX(test_f1_macro) FROM trial
                            WHERE experiment_id = :id AND status = 'succeeded' AND %1$s),
                         total_train_seconds = (SELECT COALESCE(SUM(train_seconds), 0) FROM trial
                            WHERE experiment_id = :id AND %1$s),
                         updated_at = :now
                   WHERE id = :id
                  """
                      .formatted(ACTIVE_TRIAL))
              .param("status", ExperimentStatus.rollUp(current.get().status(), counts).dbValue())
              .param("bestTrial", best.map(Best::trialId).orElse(null))
              .param("bestObjective", best.map(Best::value).orElse(null))
              .param("now", toSql(clock.instant()))
              .param("id", experimentId)
              .update();
        });
  }

  /** The experiment's best succeeded trial by its objective, if any has a value for it. */
  private Optional<Best> best(long experimentId, Objective objective) {
    String column = trialColumn(objective.metric());
    String order = objective.goal() == Goal.MAX ? "DESC" : "ASC";
    return jdbc.sql(
            "SELECT id, "
                + column
                + " AS objective_value FROM trial WHERE experiment_id = :id"
                + " AND status = 'succeeded' AND "
                + ACTIVE_TRIAL
                + " AND "
                + column
                + " IS NOT NULL ORDER BY "
                + column
                + " "
                + order
                + ", id LIMIT 1")
        .param("id", experimentId)
        .query((row, n) -> new Best(row.getLong("id"), row.getDouble("objective_value")))
        .optional();
  }

  /**
   * The objective as stored, null for {@link Experiment#NO_OBJECTIVE}: MLflow experiments stored
   * before they got the default objective have it, and the protocol's objectives cannot say so.
   */
  private static Objective objective(String metric, String goal) {
    return Experiment.NO_OBJECTIVE.equals(metric)
        ? null
        : new Objective(ObjectiveMetric.named(metric), Goal.parse(goal));
  }

  /**
   * Changes what a person may edit after making the experiment; a null argument leaves that field
   * as it is. Returns false if there is no such experiment.
   */
  public boolean edit(long id, String description, List<String> tags, String notes) {
    // Only the given columns: a typed-null parameter would need a cast on PostgreSQL.
    StringBuilder sql = new StringBuilder("UPDATE experiment SET updated_at = :now");
    Map<String, Object> params = new HashMap<>();
    params.put("now", toSql(clock.instant()));
    params.put("id", id);
    if (description != null) {
      sql.append(", description = :description");
      params.put("description", description);
    }
    if (tags != null) {
      sql.append(", tags = :tags");
      params.put("tags", joinTags(tags));
    }
    if (notes != null) {
      sql.append(", notes = :notes");
      params.put("notes", notes);
    }
    return jdbc.sql(sql.append(" WHERE id = :id").toString()).params(params).update() > 0;
  }

  /** The experiment's editable fields, notes included (which {@link Experiment} leaves out). */
  public Optional<ExperimentAbout> about(long id) {
    return jdbc.sql("SELECT id, description, tags, notes FROM experiment WHERE id = :id")
        .param("id", id)
        .query(
            (row, n) ->
                new ExperimentAbout(
                    row.getLong("id"),
                    row.getString("description"),
                    splitTags(row.getString("tags")),
                    row.getString("notes")))
        .optional();
  }

  /** How many of the experiment's trials that are not deleted are in each status. */
  public TrialCounts countTrials(long experimentId) {
    return countTrials(experimentId, false);
  }

  private TrialCounts countTrials(long experimentId, boolean withDeleted) {
    TrialCounts counts = new TrialCounts(0, 0, 0, 0, 0);
    List<Map.Entry<String, Integer>> rows =
        jdbc.sql(
                "SELECT status, COUNT(*) AS n FROM trial WHERE experiment_id = :id"
                    + (withDeleted ? "" : " AND " + ACTIVE_TRIAL)
                    + " GROUP BY status")
            .param("id", experimentId)
            .query((row, n) -> Map.entry(row.getString("status"), row.getInt("n")))
            .list();
    for (Map.Entry<String, Integer> row : rows) {
      counts = counts.plus(row.getKey(), row.getValue());
    }
    return counts;
  }

  /** {@link #countTrials(long)} for several experiments in one query (for a page of a list). */
  public Map<Long, TrialCounts> countTrials(Collection<Long> experimentIds) {
    Map<Long, TrialCounts> counts = new HashMap<>();
    experimentIds.forEach(id -> counts.put(id, new TrialCounts(0, 0, 0, 0, 0)));
    if (experimentIds.isEmpty()) {
      return counts;
    }
    jdbc.sql(
            """
            SELECT experiment_id, status, COUNT(*) AS n FROM trial
             WHERE experiment_id IN (:ids) AND %s GROUP BY experiment_id, status
            """
                .formatted(ACTIVE_TRIAL))
        .param("ids", List.copyOf(experimentIds))
        .query(
            (row, n) ->
                counts.merge(
                    row.getLong("experiment_id"),
                    new TrialCounts(0, 0, 0, 0, 0).plus(row.getString("status"), row.getInt("n")),
                    TrialCounts::sum))
        .list();
    return counts;
  }

  /**
   * The wall time (start to finish) of each experiment's ended trials that reported no training
   * time (command trials report none): the experiments list adds it to the training time, so a
   * command step does not read {@code 0 s}. Experiments with no such trial are absent.
   */
  public Map<Long, Double> untimedSeconds(Collection<Long> experimentIds) {
    Map<Long, Double> seconds = new HashMap<>();
    if (experimentIds.isEmpty()) {
      return seconds;
    }
    jdbc.sql(
            """
            SELECT experiment_id, started_at, finished_at FROM trial
             WHERE experiment_id IN (:ids) AND %s AND started_at IS NOT NULL
               AND finished_at IS NOT NULL AND COALESCE(train_seconds, 0) = 0
            """
                .formatted(ACTIVE_TRIAL))
        .param("ids", List.copyOf(experimentIds))
        .query(
            (row, n) ->
                seconds.merge(
                    row.getLong("experiment_id"),
                    java.time.Duration.between(
                                instant(row, "started_at"), instant(row, "finished_at"))
                            .toMillis()
                        / 1000.0,
                    Double::sum))
        .list();
    return seconds;
  }

  /**
   * The trial column holding an objective's value. Test accuracy and macro-F1 have their own
   * columns; any other metric is the trial's best value of it, as its worker reported. Searches
   * (TPE) rank trials by the same column as the roll-up.
   */
  public static String trialColumn(ObjectiveMetric metric) {
    if (metric.equals(ObjectiveMetric.TEST_ACCURACY)) {
      return "test_accuracy";
    }
    if (metric.equals(ObjectiveMetric.TEST_F1_MACRO)) {
      return "test_f1_macro";
    }
    return "best_metric";
  }

  private record ObjectiveAndStatus(Objective objective, ExperimentStatus status) {}

  private record Best(long trialId, double value) {}

  private static Experiment experiment(ResultSet row, int rowNumber) throws SQLException {
    return new Experiment(
        row.getLong("id"),
        row.getString("name"),
        row.getString("owner"),
        row.getString("description"),
        splitTags(row.getString("tags")),
        row.getString("dataset"),
        row.getString("spec"),
        objective(row.getString("objective_metric"), row.getString("objective_goal")),
        row.getInt("max_parallel_trials"),
        row.getInt("priority"),
        ExperimentStatus.fromDb(row.getString("status")),
        row.getObject("best_trial_id", Long.class),
        row.getObject("best_objective", Double.class),
        row.getObject("best_test_accuracy", Double.class),
        row.getObject("best_test_f1_macro", Double.class),
        row.getDouble("total_train_seconds"),
        instant(row, "created_at"),
        instant(row, "updated_at"));
  }

  private static String joinTags(List<String> tags) {
    return "," + String.join(",", tags) + (tags.isEmpty() ? "" : ",");
  }

  private static List<String> splitTags(String stored) {
    return Arrays.stream(stored.split(",")).filter(tag -> !tag.isEmpty()).toList();
  }

  private static String escapeLike(String text) {
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_");
  }
}
