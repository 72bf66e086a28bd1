package dev.digitlab.server.mlflow;

import static dev.digitlab.server.database.Timestamps.instant;
import static dev.digitlab.server.database.Timestamps.toSql;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.core.type.TypeReference;

/**
 * MLflow's model registry for models that are not Digit Lab's own, stored as MLflow describes them:
 * a registered model, its numbered versions (a source URI and the run it came from), its aliases.
 */
@Component
class MlflowModels {

  /** A registered model as stored. */
  record Model(
      String name,
      String description,
      String owner,
      Map<String, String> tags,
      long createdAt,
      long updatedAt) {}

  /** A version as stored; {@code aliases} point at it. */
  record Version(
      String name,
      int version,
      String source,
      String runId,
      String description,
      String owner,
      Map<String, String> tags,
      long createdAt,
      long updatedAt,
      String stage,
      List<String> aliases) {}

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final Clock clock;

  MlflowModels(JdbcClient jdbc, PlatformTransactionManager transactions, Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.clock = clock;
  }

  /** Creates the model; false if the name is taken, also by a create racing this one. */
  boolean create(String name, String description, String owner, Map<String, String> tags) {
    if (find(name).isPresent()) {
      return false;
    }
    try {
      insert(name, description, owner, tags);
      return true;
    } catch (DuplicateKeyException e) {
      // Two registrations of one new name at once (mlflow.register_model from parallel jobs): the
      // primary key keeps one; the other is told the name exists, as MLflow tells it.
      return false;
    }
  }

  private void insert(String name, String description, String owner, Map<String, String> tags) {
    jdbc.sql(
            """
            INSERT INTO mlflow_registered_model (name, description, owner, tags, created_at,
                updated_at) VALUES (:name, :description, :owner, :tags, :now, :now)
            """)
        .param("name", name)
        .param("description", description)
        .param("owner", owner)
        .param("tags", json(tags))
        .param("now", toSql(clock.instant()))
        .update();
  }

  Optional<Model> find(String name) {
    return jdbc.sql("SELECT * FROM mlflow_registered_model WHERE name = :name")
        .param("name", name)
        .query(MlflowModels::model)
        .optional();
  }

  List<Model> all() {
    return jdbc.sql("SELECT * FROM mlflow_registered_model ORDER BY name")
        .query(MlflowModels::model)
        .list();
  }

  void rename(String name, String newName) {
    jdbc.sql("UPDATE mlflow_registered_model SET name = :new, updated_at = :now WHERE name = :name")
        .param("new", newName)
        .param("now", toSql(clock.instant()))
        .param("name", name)
        .update();
  }

  void describe(String name, String description) {
    jdbc.sql(
            "UPDATE mlflow_registered_model SET description = :d, updated_at = :now"
                + " WHERE name = :name")
        .param("d", description)
        .param("now", toSql(clock.instant()))
        .param("name", name)
        .update();
  }

  void delete(String name) {
    transaction.executeWithoutResult(
        status -> {
          jdbc.sql("DELETE FROM mlflow_model_alias WHERE name = :name")
              .param("name", name)
              .update();
          jdbc.sql("DELETE FROM mlflow_model_version WHERE name = :name")
              .param("name", name)
              .update();
          jdbc.sql("DELETE FROM mlflow_registered_model WHERE name = :name")
              .param("name", name)
              .update();
        });
  }

  /** Adds the next version of the model; returns its number. */
  int addVersion(
      String name,
      String source,
      String runId,
      String description,
      String owner,
      Map<String, String> tags) {
    return transaction.execute(
        status -> {
          // the model's row, locked, so that two registrations never take one number
          jdbc.sql("SELECT name FROM mlflow_registered_model WHERE name = :name FOR UPDATE")
              .param("name", name)
              .query(String.class)
              .single();
          int version =
              jdbc.sql(
                      "SELECT COALESCE(MAX(version), 0) + 1 FROM mlflow_model_version"
                          + " WHERE name = :name")
                  .param("name", name)
                  .query(Integer.class)
                  .single();
          jdbc.sql(
                  """
                  INSERT INTO mlflow_model_version (name, version, source, run_id, description,
                      owner, tags, created_at, updated_at)
                  VALUES (:name, :version, :source, :run, :description, :owner, :tags, :now, :now)
                  """)
              .param("name", name)
              .param("version", version)
              .param("source", source)
              .param("run", runId)
              .param("description", description)
              .param("owner", owner)
              .param("tags", json(tags))
              .param("now", toSql(clock.instant()))
              .update();
          jdbc.sql("UPDATE mlflow_registered_model SET updated_at = :now WHERE name = :name")
              .param("now", toSql(clock.instant()))
              .param("name", name)
              .update();
          return version;
        });
  }

  Optional<Version> version(String name, int version) {
    return versions("v.name = :name AND v.version = :version", name, version).stream().findFirst();
  }

  List<Version> versions(String name) {
    return versions("v.name = :name", name, null);
  }

  List<Version> allVersions() {
    return versions("1 = 1", null, null);
  }

  private List<Version> versions(String where, String name, Integer version) {
    Map<String, Object> params = new TreeMap<>();
    if (name != null) {
      params.put("name", name);
    }
    if (version != null) {
      params.put("version", version);
    }
    Map<String, List<String>> aliases = new TreeMap<>();
    jdbc.sql("SELECT name, alias, version FROM mlflow_model_alias ORDER BY alias")
        .query(
            (ResultSet row, int n) ->
                aliases
                    .computeIfAbsent(
                        row.getString(1) + "\n" + row.getInt(3), k -> new java.util.ArrayList<>())
                    .add(row.getString(2)))
        .list();
    return jdbc.sql(
            "SELECT * FROM mlflow_model_version v WHERE " + where + " ORDER BY v.name, v.version")
        .params(params)
        .query(
            (ResultSet row, int n) ->
                new Version(
                    row.getString("name"),
                    row.getInt("version"),
                    row.getString("source"),
                    row.getString("run_id"),
                    row.getString("description"),
                    row.getString("owner"),
                    map(row.getString("tags")),
                    instant(row, "created_at").toEpochMilli(),
                    instant(row, "updated_at").toEpochMilli(),
                    row.getString("current_stage"),
                    aliases.getOrDefault(
                        row.getString("name") + "\n" + row.getInt("version"), List.of())))
        .list();
  }

  /**
   * Moves the version to {@code stage} (MLflow's spelling); with {@code archiveOthers}, the model's
   * other versions in that stage move to Archived, as MLflow's store does. One transaction, under
   * the model's row lock, so that two transitions never leave two versions in one stage.
   */
  void transitionStage(String name, int version, String stage, boolean archiveOthers) {
    transaction.executeWithoutResult(
        status -> {
          jdbc.sql("SELECT name FROM mlflow_registered_model WHERE name = :name FOR UPDATE")
              .param("name", name)
              .query(String.class)
              .single();
          var now = toSql(clock.instant());
          if (archiveOthers) {
            jdbc.sql(
                    """
                    UPDATE mlflow_model_version SET current_stage = 'Archived', updated_at = :now
                     WHERE name = :name AND version <> :version AND current_stage = :stage
                    """)
                .param("now", now)
                .param("name", name)
                .param("version", version)
                .param("stage", stage)
                .update();
          }
          jdbc.sql(
                  "UPDATE mlflow_model_version SET current_stage = :stage, updated_at = :now"
                      + " WHERE name = :name AND version = :version")
              .param("stage", stage)
              .param("now", now)
              .param("name", name)
              .param("version", version)
              .update();
          jdbc.sql("UPDATE mlflow_registered_model SET updated_at = :now WHERE name = :name")
              .param("now", now)
              .param("name", name)
              .update();
        });
  }

  void describeVersion(String name, int version, String description) {
    jdbc.sql(
            "UPDATE mlflow_model_version SET description = :d, updated_at = :now"
                + " WHERE name = :name AND version = :version")
        .param("d", description)
        .param("now", toSql(clock.instant()))
        .param("name", name)
        .param("version", version)
        .update();
  }

  void deleteVersion(String name, int version) {
    jdbc.sql("DELETE FROM mlflow_model_alias WHERE name = :name AND version = :version")
        .param("name", name)
        .param("version", version)
        .update();
    jdbc.sql("DELETE FROM mlflow_model_version WHERE name = :name AND version = :version")
        .param("name", name)
        .param("version", version)
        .update();
  }

  /**
   * Sets the tag ({@code value} non-null) or deletes it ({@code value} null) on the model, or on
   * its version {@code version} when that is not null. The tags are one JSON text, read and written
   * under the row's lock so that two tag writes never lose one another. MLflow's stores leave the
   * timestamps alone here, and so does this.
   */
  void putTag(String name, Integer version, String key, String value) {
    String table = version == null ? "mlflow_registered_model" : "mlflow_model_version";
    String where = version == null ? "name = :name" : "name = :name AND version = :version";
    Map<String, Object> params = new TreeMap<>();
    params.put("name", name);
    if (version != null) {
      params.put("version", version);
    }
    transaction.executeWithoutResult(
        status -> {
          Map<String, String> tags =
              new TreeMap<>(
                  map(
                      jdbc.sql("SELECT tags FROM " + table + " WHERE " + where + " FOR UPDATE")
                          .params(params)
                          .query(String.class)
                          .single()));
          if (value == null) {
            tags.remove(key);
          } else {
            tags.put(key, value);
          }
          String json = json(tags);
          MlflowNames.checkLength("tags (as JSON)", json, 100_000 - 100);
          jdbc.sql("UPDATE " + table + " SET tags = :tags WHERE " + where)
              .params(params)
              .param("tags", json)
              .update();
        });
  }

  void setAlias(String name, String alias, int version) {
    transaction.executeWithoutResult(
        status -> {
          jdbc.sql("DELETE FROM mlflow_model_alias WHERE name = :name AND alias = :alias")
              .param("name", name)
              .param("alias", alias)
              .update();
          jdbc.sql(
                  "INSERT INTO mlflow_model_alias (name, alias, version)"
                      + " VALUES (:name, :alias, :version)")
              .param("name", name)
              .param("alias", alias)
              .param("version", version)
              .update();
        });
  }

  boolean deleteAlias(String name, String alias) {
    return jdbc.sql("DELETE FROM mlflow_model_alias WHERE name = :name AND alias = :alias")
            .param("name", name)
            .param("alias", alias)
            .update()
        > 0;
  }

  /** The model's aliases, alias to version. */
  Map<String, Integer> aliases(String name) {
    Map<String, Integer> aliases = new TreeMap<>();
    jdbc.sql("SELECT alias, version FROM mlflow_model_alias WHERE name = :name")
        .param("name", name)
        .query((ResultSet row, int n) -> aliases.put(row.getString(1), row.getInt(2)))
        .list();
    return aliases;
  }

  private static Model model(ResultSet row, int n) throws SQLException {
    return new Model(
        row.getString("name"),
        row.getString("description"),
        row.getString("owner"),
        map(row.getString("tags")),
        instant(row, "created_at").toEpochMilli(),
        instant(row, "updated_at").toEpochMilli());
  }

  private static String json(Map<String, String> tags) {
    return MlflowRequest.JSON.writeValueAsString(new TreeMap<>(tags));
  }

  private static Map<String, String> map(String json) {
    try {
      return MlflowRequest.JSON.readValue(json, new TypeReference<TreeMap<String, String>>() {});
    } catch (JacksonException e) {
      return Map.of();
    }
  }
}
