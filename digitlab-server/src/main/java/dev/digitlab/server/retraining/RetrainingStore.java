package dev.digitlab.server.retraining;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Retraining policies and the one-run-at-a-time flag (the experiment a retraining runs as). */
@Component
class RetrainingStore {

  /** Marks a claimed run before its experiment exists. */
  private static final long STARTING = -1;

  private final JdbcClient jdbc;
  private final Clock clock;

  RetrainingStore(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  Optional<RetrainingPolicy> find(String model) {
    return jdbc.sql(
            "SELECT model_name, enabled, threshold, base_dataset, gate_tolerance,"
                + " running_experiment, updated_at FROM retraining_policy WHERE model_name = :m")
        .param("m", model)
        .query(RetrainingStore::policy)
        .optional();
  }

  void save(RetrainingPolicy p) {
    int updated =
        jdbc.sql(
                "UPDATE retraining_policy SET enabled = :enabled, threshold = :threshold,"
                    + " base_dataset = :dataset, gate_tolerance = :tolerance, updated_at = :now"
                    + " WHERE model_name = :m")
            .param("enabled", p.enabled())
            .param("threshold", p.threshold())
            .param("dataset", p.baseDataset())
            .param("tolerance", p.gateTolerance())
            .param("now", toSql(clock.instant()))
            .param("m", p.model())
            .update();
    if (updated == 0) {
      jdbc.sql(
              "INSERT INTO retraining_policy (model_name, enabled, threshold, base_dataset,"
                  + " gate_tolerance, updated_at) VALUES (:m, :enabled, :threshold, :dataset,"
                  + " :tolerance, :now)")
          .param("m", p.model())
          .param("enabled", p.enabled())
          .param("threshold", p.threshold())
          .param("dataset", p.baseDataset())
          .param("tolerance", p.gateTolerance())
          .param("now", toSql(clock.instant()))
          .update();
    }
  }

  /** Takes the model's one retraining slot; false when a retraining already holds it. */
  boolean claimRun(String model) {
    return jdbc.sql(
                "UPDATE retraining_policy SET running_experiment = :starting"
                    + " WHERE model_name = :m AND running_experiment IS NULL")
            .param("starting", STARTING)
            .param("m", model)
            .update()
        == 1;
  }

  void setRun(String model, long experimentId) {
    jdbc.sql("UPDATE retraining_policy SET running_experiment = :e WHERE model_name = :m")
        .param("e", experimentId)
        .param("m", model)
        .update();
  }

  /** Policies whose retraining slot is taken. */
  java.util.List<RetrainingPolicy> running() {
    return jdbc.sql(
            "SELECT model_name, enabled, threshold, base_dataset, gate_tolerance,"
                + " running_experiment, updated_at FROM retraining_policy"
                + " WHERE running_experiment IS NOT NULL")
        .query(RetrainingStore::policy)
        .list();
  }

  void releaseRun(String model) {
    jdbc.sql("UPDATE retraining_policy SET running_experiment = NULL WHERE model_name = :m")
        .param("m", model)
        .update();
  }

  /** The policy whose running retraining is this experiment, if any. */
  Optional<RetrainingPolicy> byExperiment(long experimentId) {
    return jdbc.sql(
            "SELECT model_name, enabled, threshold, base_dataset, gate_tolerance,"
                + " running_experiment, updated_at FROM retraining_policy"
                + " WHERE running_experiment = :e")
        .param("e", experimentId)
        .query(RetrainingStore::policy)
        .optional();
  }

  private static RetrainingPolicy policy(ResultSet row, int n) throws SQLException {
    return new RetrainingPolicy(
        row.getString("model_name"),
        row.getBoolean("enabled"),
        row.getInt("threshold"),
        row.getString("base_dataset"),
        row.getDouble("gate_tolerance"),
        row.getObject("running_experiment", Long.class),
        instant(row, "updated_at"));
  }
}
