package dev.digitlab.server.mlflow;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.trials.TrialTags;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.jdbc.core.BatchPreparedStatementSetter;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What the MLflow API stores besides the trial rows ({@link ExternalTrials}): experiments made
 * through it, experiment and run tags, params, each metric's latest value, dataset inputs. A run's
 * metric points go to its event stream, like a built-in trial's. Every write is one transaction:
 * all of a batch or none of it.
 */
@Component
class MlflowStore {

  static final String ACTIVE = "active";
  static final String DELETED = "deleted";

  private final JdbcClient jdbc;
  private final JdbcTemplate batches;
  private final TransactionTemplate transaction;
  private final Clock clock;
  private final ExternalTrials trials;
  private final EventStore events;
  private final TrialTags runTags;
  private final MetricPoints logged;

  MlflowStore(
      JdbcTemplate jdbcTemplate,
      PlatformTransactionManager transactions,
      Clock clock,
      ExternalTrials trials,
      EventStore events,
      TrialTags runTags,
      MetricPoints logged) {
    this.jdbc = JdbcClient.create(jdbcTemplate);
    this.batches = jdbcTemplate;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
    this.trials = trials;
    this.events = events;
    this.runTags = runTags;
    this.logged = logged;
  }

  // ---- experiments

  long createExperiment(String name, String owner, Map<String, String> tags) {
    return transaction.execute(
        status -> {
          lockExperimentNames();
          if (findExperimentByName(name).isPresent()) {
            throw MlflowException.alreadyExists(
                "Experiment(name=" + name + ") already exists. Error: name taken");
          }
          Instant now = clock.instant();
          KeyHolder key = new GeneratedKeyHolder();
          jdbc.sql(
                  """
                  INSERT INTO experiment (name, owner, description, tags, dataset, spec,
                      objective_metric, objective_goal, max_parallel_trials, priority, status,
                      created_at, updated_at)
                  VALUES (:name, :owner, NULL, ',', :dataset, '{"source": "mlflow"}', 'none',
                      'max', 1, 0, 'queued', :now, :now)
                  """)
              .param("name", name)
              .param("owner", owner)
              .param("dataset", ExternalTrials.EXPERIMENT_DATASET)
              .param("now", toSql(now))
              .update(key, "id");
          long id = key.getKeyAs(Number.class).longValue();
          tags.forEach((k, v) -> setExperimentTag(id, k, v));
          return id;
        });
  }

  /**
   * Whether anyone who may write may log runs into experiment {@code id}, as in MLflow: one made
   * through MLflow's API (dataset {@code external}, the Default experiment among them), or none at
   * all (the run's creation then says so).
   */
  boolean sharedForRuns(long id) {
    return jdbc.sql("SELECT dataset FROM experiment WHERE id = :id")
        .param("id", id)
        .query(String.class)
        .optional()
        .map(ExternalTrials.EXPERIMENT_DATASET::equals)
        .orElse(true);
  }

  /**
   * Serialises the MLflow API's experiment creations and renames, which check that a name is free
   * and then take it: names are unique among MLflow's experiments only (Digit Lab's own may
   * repeat), so no index refuses the second of two, and parallel jobs that call {@code
   * mlflow.set_experiment("x")} at once made two experiments "x" (their runs split between them).
   * The lock is the Default experiment's row (made by V14, never deleted), held to the end of the
   * caller's transaction: on H2, and on a PostgreSQL that several servers share.
   */
  private void lockExperimentNames() {
    jdbc.sql("SELECT id FROM experiment WHERE id = 0 FOR UPDATE").query(Long.class).optional();
  }

  Optional<MlflowExperiment> findExperiment(long id) {
    return experiments("e.id = :id", Map.of("id", id)).stream().findFirst();
  }

  Optional<MlflowExperiment> findExperimentByName(String name) {
    return experiments("e.name = :name", Map.of("name", name)).stream().findFirst();
  }

  /** Every experiment, by id. */
  List<MlflowExperiment> allExperiments() {
    return experiments("1 = 1", Map.of());
  }

  private List<MlflowExperiment> experiments(String where, Map<String, ?> params) {
    Map<Long, Map<String, String>> tags = new HashMap<>();
    jdbc.sql(
            "SELECT experiment_id, tag_key, tag_value FROM experiment_tag WHERE experiment_id IN"
                + " (SELECT e.id FROM experiment e WHERE "
                + where
                + ")")
        .params(params)
        .query(
            (ResultSet row, int n) ->
                tags.computeIfAbsent(row.getLong(1), k -> new TreeMap<>())
                    .put(row.getString(2), row.getString(3)))
        .list();
    return jdbc.sql(
            "SELECT e.id, e.name, e.owner, e.lifecycle_stage, e.created_at, e.updated_at"
                + " FROM experiment e WHERE "
                + where
                + " ORDER BY e.id")
        .params(params)
        .query(
            (ResultSet row, int n) ->
                new MlflowExperiment(
                    row.getLong("id"),
                    row.getString("name"),
                    row.getString("owner"),
                    row.getString("lifecycle_stage"),
                    instant(row, "created_at").toEpochMilli(),
                    instant(row, "updated_at").toEpochMilli(),
                    tags.getOrDefault(row.getLong("id"), Map.of())))
        .list();
  }

  void renameExperiment(long id, String name) {
    transaction.executeWithoutResult(
        status -> {
          lockExperimentNames();
          Optional<MlflowExperiment> taken = findExperimentByName(name);
          if (taken.isPresent() && taken.get().id() != id) {
            throw MlflowException.alreadyExists(
                "Experiment(name=" + name + ") already exists. Error: name taken");
          }
          jdbc.sql("UPDATE experiment SET name = :name, updated_at = :now WHERE id = :id")
              .param("name", name)
              .param("now", toSql(clock.instant()))
              .param("id", id)
              .update();
        });
  }

  /**
   * Deletes ({@link #DELETED}) or restores ({@link #ACTIVE}) the experiment and its runs, as MLflow
   * does: its runs follow it. Only from stage {@code from}: as in MLflow's store, an experiment in
   * another stage (deleted twice, restored while active) is RESOURCE_DOES_NOT_EXIST; the stage is
   * checked by the update itself, so that of two concurrent deletes one is refused.
   */
  void setExperimentStage(long id, String from, String stage) {
    transaction.executeWithoutResult(
        status -> {
          int updated =
              jdbc.sql(
                      "UPDATE experiment SET lifecycle_stage = :stage, updated_at = :now"
                          + " WHERE id = :id AND lifecycle_stage = :from")
                  .param("stage", stage)
                  .param("now", toSql(clock.instant()))
                  .param("id", id)
                  .param("from", from)
                  .update();
          if (updated == 0) {
            throw MlflowException.notFound("No Experiment with id=" + id + " exists");
          }
          for (long trialId :
              jdbc.sql("SELECT id FROM trial WHERE experiment_id = :id AND kind = 'external'")
                  .param("id", id)
                  .query(Long.class)
                  .list()) {
            trials.setLifecycleStage(trialId, stage);
          }
        });
  }

  void setExperimentTag(long id, String key, String value) {
    transaction.executeWithoutResult(
        status -> {
          int updated =
              jdbc.sql(
                      "UPDATE experiment_tag SET tag_value = :value"
                          + " WHERE experiment_id = :id AND tag_key = :key")
                  .param("value", value)
                  .param("id", id)
                  .param("key", key)
                  .update();
          if (updated == 0) {
            jdbc.sql(
                    "INSERT INTO experiment_tag (experiment_id, tag_key, tag_value)"
                        + " VALUES (:id, :key, :value)")
                .param("value", value)
                .param("id", id)
                .param("key", key)
                .update();
          }
        });
  }

  // ---- runs

  /** Creates an external run in the experiment; returns its trial id. */
  long createRun(
      long experimentId,
      String runName,
      String owner,
      Instant startTime,
      Map<String, String> tags) {
    return transaction.execute(
        status -> {
          String stage =
              jdbc.sql("SELECT lifecycle_stage FROM experiment WHERE id = :id FOR UPDATE")
                  .param("id", experimentId)
                  .query(String.class)
                  .optional()
                  .orElseThrow(
                      () ->
                          MlflowException.notFound(
                              "No Experiment with id=" + experimentId + " exists"));
          if (!stage.equals(ACTIVE)) {
            throw MlflowException.invalid(
                "The experiment " + experimentId + " must be in the 'active' state");
          }
          long id = trials.create(experimentId, runName, owner, "running", startTime);
          if (runName == null) {
            trials.rename(id, "run-" + id);
          }
          upsertTags(id, tags);
          return id;
        });
  }

  void updateRun(long id, String trialStatus, Instant endTime, String runName) {
    transaction.executeWithoutResult(
        status -> {
          if (trialStatus != null) {
            trials.updateStatus(id, trialStatus, trialStatus.equals("running") ? null : endTime);
          }
          if (runName != null) {
            trials.rename(id, runName);
          }
        });
  }

  private int loggedAttempt(long trialId) {
    String kind =
        jdbc.sql("SELECT kind FROM trial WHERE id = :id")
            .param("id", trialId)
            .query(String.class)
            .single();
    return "command".equals(kind) ? 0 : 1;
  }

  void setRunStage(long id, String stage) {
    transaction.executeWithoutResult(status -> trials.setLifecycleStage(id, stage));
  }

  /**
   * Logs a batch to an external run, all or nothing: params (a key logged before keeps its value;
   * another value is an error), tags (replaced), metric points (appended to its event stream; each
   * key's latest value kept). A point equal to one the run has (key, value, timestamp, step; NaN
   * equal to NaN) is skipped, as MLflow's SQL store skips it: a client's retry adds nothing.
   */
  void logBatch(
      long id, List<MetricPoint> metrics, Map<String, String> params, Map<String, String> tags) {
    transaction.executeWithoutResult(
        status -> {
          // Also locks the run's row to the end of the transaction: a retry that arrives while
          // the first request is being stored waits here, then finds its points stored.
          long firstSeq =
              trials
                  .reserveSeqs(id, Math.max(1, metrics.size()))
                  .orElseThrow(() -> MlflowException.notFound("Run '" + id + "' not found"));
          insertParams(id, params);
          upsertTags(id, tags);
          if (metrics.isEmpty()) {
            return;
          }
          Map<String, MetricPoint> latest = latestPoints(id);
          List<MetricPoint> fresh = notStored(id, metrics, latest);
          if (fresh.isEmpty()) {
            return;
          }
          List<NewEvent> points = new ArrayList<>(fresh.size());
          for (int i = 0; i < fresh.size(); i++) {
            points.add(new NewEvent(firstSeq + i, EventType.METRIC, fresh.get(i).payload()));
          }
          // A command trial's worker writes attempts 1, 2, … with its own seqs; what its program
          // logs through this API takes a lane of its own (attempt 0), so the two never collide.
          events.append(id, loggedAttempt(id), points);
          updateLatest(id, fresh, latest);
        });
  }

  /**
   * The batch's points the run does not have yet, each once, in the batch's order. A point later
   * than its key's latest (what a training loop logs) cannot be stored already, so only the run's
   * history of keys that have an earlier point in the batch is read: a retry, or a point logged out
   * of order.
   */
  private List<MetricPoint> notStored(
      long id, List<MetricPoint> metrics, Map<String, MetricPoint> latest) {
    Set<MetricPoint> seen = new HashSet<>();
    Set<String> earlierKeys = new HashSet<>();
    for (MetricPoint point : metrics) {
      MetricPoint last = latest.get(point.key());
      if (last != null) {
        seen.add(last);
        if (!point.equals(last)
            && !point.isLaterThan(last.step(), last.timestamp(), last.value())) {
          earlierKeys.add(point.key());
        }
      }
    }
    if (!earlierKeys.isEmpty()) {
      seen.addAll(logged.of(id, earlierKeys));
    }
    List<MetricPoint> fresh = new ArrayList<>(metrics.size());
    for (MetricPoint point : metrics) {
      if (seen.add(point)) {
        fresh.add(point);
      }
    }
    return fresh;
  }

  private void insertParams(long id, Map<String, String> params) {
    if (params.isEmpty()) {
      return;
    }
    Map<String, String> stored = new HashMap<>();
    jdbc.sql("SELECT param_key, param_value FROM run_param WHERE trial_id = :id")
        .param("id", id)
        .query((ResultSet row, int n) -> stored.put(row.getString(1), row.getString(2)))
        .list();
    List<Map.Entry<String, String>> fresh = new ArrayList<>();
    for (Map.Entry<String, String> param : params.entrySet()) {
      String old = stored.get(param.getKey());
      if (old == null) {
        fresh.add(param);
      } else if (!old.equals(param.getValue())) {
        throw MlflowException.invalid(
            "Changing param values is not allowed. Param with key='"
                + param.getKey()
                + "' was already logged with value='"
                + old
                + "' for run ID='"
                + id
                + "'. Attempted logging new value '"
                + param.getValue()
                + "'.");
      }
    }
    batches.batchUpdate(
        "INSERT INTO run_param (trial_id, param_key, param_value) VALUES (?, ?, ?)",
        fresh,
        fresh.size(),
        (PreparedStatement statement, Map.Entry<String, String> param) -> {
          statement.setLong(1, id);
          statement.setString(2, param.getKey());
          statement.setString(3, param.getValue());
        });
  }

  private void upsertTags(long id, Map<String, String> tags) {
    for (Map.Entry<String, String> tag : tags.entrySet()) {
      if (tag.getKey().equals("mlflow.runName")) {
        // MLflow keeps the run name and this tag the same.
        trials.rename(id, tag.getValue());
        continue;
      }
      runTags.put(id, tag.getKey(), tag.getValue());
    }
  }

  void setTags(long id, Map<String, String> tags) {
    transaction.executeWithoutResult(status -> upsertTags(id, tags));
  }

  /** Deletes the tag; false if the run has no such tag. */
  boolean deleteTag(long id, String key) {
    return jdbc.sql("DELETE FROM run_tag WHERE trial_id = :id AND tag_key = :key")
            .param("id", id)
            .param("key", key)
            .update()
        > 0;
  }

  /** The latest point of each of the run's metric keys, as {@code run_metric} keeps it. */
  private Map<String, MetricPoint> latestPoints(long id) {
    Map<String, MetricPoint> stored = new HashMap<>();
    jdbc.sql(
            "SELECT metric_key, metric_value, timestamp_ms, step FROM run_metric"
                + " WHERE trial_id = :id")
        .param("id", id)
        .query(
            (ResultSet row, int n) ->
                stored.put(
                    row.getString(1),
                    new MetricPoint(
                        row.getString(1), row.getDouble(2), row.getLong(3), row.getLong(4))))
        .list();
    return stored;
  }

  private void updateLatest(long id, List<MetricPoint> metrics, Map<String, MetricPoint> stored) {
    Map<String, MetricPoint> latest = new LinkedHashMap<>();
    for (MetricPoint point : metrics) {
      MetricPoint seen = latest.get(point.key());
      if (seen == null || point.isLaterThan(seen.step(), seen.timestamp(), seen.value())) {
        latest.put(point.key(), point);
      }
    }
    List<MetricPoint> inserts = new ArrayList<>();
    List<MetricPoint> updates = new ArrayList<>();
    for (MetricPoint point : latest.values()) {
      MetricPoint old = stored.get(point.key());
      if (old == null) {
        inserts.add(point);
      } else if (point.isLaterThan(old.step(), old.timestamp(), old.value())) {
        updates.add(point);
      }
    }
    batch(
        "INSERT INTO run_metric (metric_value, timestamp_ms, step, trial_id, metric_key)"
            + " VALUES (?, ?, ?, ?, ?)",
        id,
        inserts);
    batch(
        "UPDATE run_metric SET metric_value = ?, timestamp_ms = ?, step = ?"
            + " WHERE trial_id = ? AND metric_key = ?",
        id,
        updates);
  }

  private void batch(String sql, long id, List<MetricPoint> points) {
    if (points.isEmpty()) {
      return;
    }
    batches.batchUpdate(
        sql,
        new BatchPreparedStatementSetter() {
          @Override
          public void setValues(PreparedStatement statement, int i) throws SQLException {
            MetricPoint point = points.get(i);
            statement.setDouble(1, point.value());
            statement.setLong(2, point.timestamp());
            statement.setLong(3, point.step());
            statement.setLong(4, id);
            statement.setString(5, point.key());
          }

          @Override
          public int getBatchSize() {
            return points.size();
          }
        });
  }

  /**
   * Stores the inputs that log a dataset the run does not have yet ({@link DatasetInputs#newOnes}),
   * as MLflow's server does. Two requests at once may both store one dataset: reads keep its first.
   */
  void logInputs(long id, List<String> inputs) {
    transaction.executeWithoutResult(
        status -> {
          for (String input : DatasetInputs.newOnes(inputs(id), inputs)) {
            jdbc.sql("INSERT INTO run_input (trial_id, input) VALUES (:id, :input)")
                .param("id", id)
                .param("input", input)
                .update();
          }
        });
  }

  /**
   * The inputs of these runs (none for a run without), each run's first of each dataset in the
   * order logged: a page of a search. Asked a thousand runs at a time, so that a page of 50,000
   * stays within every database's limit on bound parameters.
   */
  Map<Long, List<String>> inputs(List<Long> ids) {
    Map<Long, List<String>> inputs = new HashMap<>();
    for (int from = 0; from < ids.size(); from += 1000) {
      jdbc.sql(
              "SELECT trial_id, input FROM run_input WHERE trial_id IN (:ids) ORDER BY trial_id, id")
          .param("ids", ids.subList(from, Math.min(ids.size(), from + 1000)))
          .query(
              (ResultSet row) -> {
                inputs
                    .computeIfAbsent(row.getLong(1), k -> new ArrayList<>())
                    .add(row.getString(2));
              });
    }
    inputs.replaceAll((run, stored) -> DatasetInputs.firstOfEach(stored));
    return inputs;
  }

  /** The run's inputs, the first of each dataset, in the order logged: what MLflow answers. */
  List<String> inputs(long id) {
    return DatasetInputs.firstOfEach(
        jdbc.sql("SELECT input FROM run_input WHERE trial_id = :id ORDER BY id")
            .param("id", id)
            .query(String.class)
            .list());
  }
}
