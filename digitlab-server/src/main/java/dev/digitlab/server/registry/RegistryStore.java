package dev.digitlab.server.registry;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.ml.json.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.ObjectMapper;

/**
 * Models, versions, aliases and the audit log in the database. Methods that change a model's
 * versions or aliases must run inside a transaction that first called {@link #lockModel}: the
 * model's row lock serialises version numbering and alias moves, on H2 and PostgreSQL alike.
 */
@Component
class RegistryStore {

  private static final ObjectMapper JSON = Json.mapper();

  private static final String VERSION_COLUMNS =
      """
      model_name, version, architecture, config, preprocessing, artifact_sha256, test_accuracy,
      test_f1_macro, metrics, experiment_id, trial_id, dataset, dataset_digests, description,
      status, created_at
      """;

  private final JdbcClient jdbc;
  private final Clock clock;

  RegistryStore(JdbcClient jdbc, Clock clock) {
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** Creates the model unless it exists; true when it was created. */
  boolean createModelIfAbsent(String name, String description) {
    if (findModel(name).isPresent()) {
      return false;
    }
    try {
      jdbc.sql(
              "INSERT INTO registered_model (name, description, created_at)"
                  + " VALUES (:name, :description, :now)")
          .param("name", name)
          .param("description", description)
          .param("now", toSql(clock.instant()))
          .update();
      return true;
    } catch (org.springframework.dao.DuplicateKeyException raced) {
      return false;
    }
  }

  /** Locks the model's row until the transaction ends; false when there is no such model. */
  boolean lockModel(String name) {
    return jdbc.sql("SELECT name FROM registered_model WHERE name = :name FOR UPDATE")
        .param("name", name)
        .query(String.class)
        .optional()
        .isPresent();
  }

  Optional<RegisteredModelRow> findModel(String name) {
    return jdbc.sql("SELECT name, description, created_at FROM registered_model WHERE name = :n")
        .param("n", name)
        .query(RegistryStore::modelRow)
        .optional();
  }

  List<RegisteredModelRow> listModels() {
    return jdbc.sql("SELECT name, description, created_at FROM registered_model ORDER BY name")
        .query(RegistryStore::modelRow)
        .list();
  }

  /** Inserts the next version of a locked model and returns its number. */
  int insertVersion(NewModelVersion v) {
    int version =
        jdbc.sql("SELECT COALESCE(MAX(version), 0) + 1 FROM model_version WHERE model_name = :m")
            .param("m", v.model())
            .query(Integer.class)
            .single();
    jdbc.sql(
            """
            INSERT INTO model_version (model_name, version, architecture, config, preprocessing,
                artifact_sha256, test_accuracy, test_f1_macro, metrics, experiment_id, trial_id,
                dataset, dataset_digests, description, status, created_at)
            VALUES (:model, :version, :architecture, :config, :preprocessing, :sha,
                :accuracy, :f1, :metrics, :experiment, :trial, :dataset, :digests, :description,
                'active', :now)
            """)
        .param("model", v.model())
        .param("version", version)
        .param("architecture", v.architecture())
        .param("config", v.config())
        .param("preprocessing", v.preprocessing())
        .param("sha", v.artifactSha256())
        .param("accuracy", v.testAccuracy())
        .param("f1", v.testF1Macro())
        .param("metrics", v.metrics())
        .param("experiment", v.experimentId())
        .param("trial", v.trialId())
        .param("dataset", v.dataset())
        .param("digests", toJson(v.datasetDigests()))
        .param("description", v.description())
        .param("now", toSql(clock.instant()))
        .update();
    return version;
  }

  Optional<ModelVersion> findVersion(String model, int version) {
    return jdbc.sql(
            "SELECT "
                + VERSION_COLUMNS
                + " FROM model_version WHERE model_name = :m AND version = :v")
        .param("m", model)
        .param("v", version)
        .query(RegistryStore::version)
        .optional();
  }

  /** The oldest version of the model made from this trial, if any. */
  Optional<Integer> versionOfTrial(String model, long trialId) {
    return jdbc
        .sql(
            "SELECT version FROM model_version WHERE model_name = :m AND trial_id = :t"
                + " ORDER BY version")
        .param("m", model)
        .param("t", trialId)
        .query(Integer.class)
        .list()
        .stream()
        .findFirst();
  }

  /** Versions of a model, newest first. */
  List<ModelVersion> listVersions(String model) {
    return jdbc.sql(
            "SELECT "
                + VERSION_COLUMNS
                + " FROM model_version WHERE model_name = :m ORDER BY version DESC")
        .param("m", model)
        .query(RegistryStore::version)
        .list();
  }

  /** Versions made from trials of the experiment, by model and version. */
  List<ModelVersion> versionsOfExperiment(long experimentId) {
    return jdbc.sql(
            "SELECT "
                + VERSION_COLUMNS
                + " FROM model_version WHERE experiment_id = :e ORDER BY model_name, version")
        .param("e", experimentId)
        .query(RegistryStore::version)
        .list();
  }

  void archive(String model, int version) {
    jdbc.sql("UPDATE model_version SET status = 'archived' WHERE model_name = :m AND version = :v")
        .param("m", model)
        .param("v", version)
        .update();
  }

  List<ModelAlias> aliases(String model) {
    return jdbc.sql(
            "SELECT model_name, alias, version, updated_at FROM model_alias"
                + " WHERE model_name = :m ORDER BY alias")
        .param("m", model)
        .query(RegistryStore::alias)
        .list();
  }

  /** Every alias of every model, for the serving cache. */
  List<ModelAlias> allAliases() {
    return jdbc.sql("SELECT model_name, alias, version, updated_at FROM model_alias")
        .query(RegistryStore::alias)
        .list();
  }

  Optional<ModelAlias> alias(String model, String alias) {
    return jdbc.sql(
            "SELECT model_name, alias, version, updated_at FROM model_alias"
                + " WHERE model_name = :m AND alias = :a")
        .param("m", model)
        .param("a", alias)
        .query(RegistryStore::alias)
        .optional();
  }

  /** Points the alias of a locked model at {@code version}, creating it if needed. */
  void setAlias(String model, String alias, int version) {
    int updated =
        jdbc.sql(
                "UPDATE model_alias SET version = :v, updated_at = :now"
                    + " WHERE model_name = :m AND alias = :a")
            .param("v", version)
            .param("now", toSql(clock.instant()))
            .param("m", model)
            .param("a", alias)
            .update();
    if (updated == 0) {
      jdbc.sql(
              "INSERT INTO model_alias (model_name, alias, version, updated_at)"
                  + " VALUES (:m, :a, :v, :now)")
          .param("m", model)
          .param("a", alias)
          .param("v", version)
          .param("now", toSql(clock.instant()))
          .update();
    }
  }

  void deleteAlias(String model, String alias) {
    jdbc.sql("DELETE FROM model_alias WHERE model_name = :m AND alias = :a")
        .param("m", model)
        .param("a", alias)
        .update();
  }

  void audit(
      String model,
      String action,
      String alias,
      Integer version,
      Integer fromVersion,
      String detail,
      String actor) {
    jdbc.sql(
            """
            INSERT INTO model_audit (model_name, action, alias, version, from_version, detail,
                actor, created_at)
            VALUES (:m, :action, :alias, :version, :from, :detail, :actor, :now)
            """)
        .param("m", model)
        .param("action", action)
        .param("alias", alias)
        .param("version", version)
        .param("from", fromVersion)
        .param("detail", detail == null ? null : truncate(detail, 4000))
        .param("actor", actor)
        .param("now", toSql(clock.instant()))
        .update();
  }

  /** The model's decisions, newest first. */
  List<AuditEntry> auditLog(String model, int limit) {
    return jdbc.sql(
            "SELECT id, model_name, action, alias, version, from_version, detail, actor, created_at"
                + " FROM model_audit WHERE model_name = :m ORDER BY id DESC LIMIT :limit")
        .param("m", model)
        .param("limit", limit)
        .query(RegistryStore::auditEntry)
        .list();
  }

  /** The latest move of an alias (promotion or rollback), which a rollback undoes. */
  Optional<AuditEntry> lastMove(String model, String alias) {
    return jdbc.sql(
            "SELECT id, model_name, action, alias, version, from_version, detail, actor, created_at"
                + " FROM model_audit WHERE model_name = :m AND alias = :a"
                + " AND action IN ('promoted', 'rolled-back') ORDER BY id DESC LIMIT 1")
        .param("m", model)
        .param("a", alias)
        .query(RegistryStore::auditEntry)
        .optional();
  }

  /** A model's row without its versions and aliases. */
  record RegisteredModelRow(String name, String description, java.time.Instant createdAt) {}

  private static RegisteredModelRow modelRow(ResultSet row, int n) throws SQLException {
    return new RegisteredModelRow(
        row.getString("name"), row.getString("description"), instant(row, "created_at"));
  }

  private static ModelVersion version(ResultSet row, int n) throws SQLException {
    return new ModelVersion(
        row.getString("model_name"),
        row.getInt("version"),
        row.getString("architecture"),
        row.getString("config"),
        row.getString("preprocessing"),
        row.getString("artifact_sha256"),
        row.getObject("test_accuracy", Double.class),
        row.getObject("test_f1_macro", Double.class),
        row.getString("metrics"),
        row.getObject("experiment_id", Long.class),
        row.getObject("trial_id", Long.class),
        row.getString("dataset"),
        fromJson(row.getString("dataset_digests")),
        row.getString("description"),
        VersionStatus.fromDb(row.getString("status")),
        instant(row, "created_at"));
  }

  private static ModelAlias alias(ResultSet row, int n) throws SQLException {
    return new ModelAlias(
        row.getString("model_name"),
        row.getString("alias"),
        row.getInt("version"),
        instant(row, "updated_at"));
  }

  private static AuditEntry auditEntry(ResultSet row, int n) throws SQLException {
    return new AuditEntry(
        row.getLong("id"),
        row.getString("model_name"),
        row.getString("action"),
        row.getString("alias"),
        row.getObject("version", Integer.class),
        row.getObject("from_version", Integer.class),
        row.getString("detail"),
        row.getString("actor"),
        instant(row, "created_at"));
  }

  private static String toJson(Map<String, String> map) {
    try {
      return JSON.writeValueAsString(new TreeMap<>(map));
    } catch (JacksonException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, String> fromJson(String text) {
    try {
      return JSON.readValue(text, new TypeReference<Map<String, String>>() {});
    } catch (JacksonException e) {
      throw new IllegalStateException("stored dataset digests are not JSON: " + text, e);
    }
  }

  private static String truncate(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }
}
