package dev.digitlab.server.runs;

import static dev.digitlab.server.database.Timestamps.instant;

import dev.digitlab.ml.json.Json;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads trials of every kind as {@link Run}s. An external run's params, tags and latest metrics are
 * what its script logged; a built-in trial's params are its config's fields (nested ones as {@code
 * a.b}), its metrics the latest value of each key its worker reported, its tags who ran it.
 */
@Component
public class RunReader {

  private static final JsonMapper JSON = Json.mapper();

  /** Which runs by their lifecycle stage: MLflow's ViewType. */
  public enum View {
    ACTIVE_ONLY,
    DELETED_ONLY,
    ALL;

    /** The view named {@code value} (MLflow's names; null means active only). */
    public static View of(String value) {
      if (value == null || value.isBlank()) {
        return ACTIVE_ONLY;
      }
      try {
        return valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new InvalidFilterException(
            "Invalid run_view_type '" + value + "': use ACTIVE_ONLY, DELETED_ONLY or ALL");
      }
    }

    String condition() {
      return switch (this) {
        case ACTIVE_ONLY -> " AND t.lifecycle_stage = 'active'";
        case DELETED_ONLY -> " AND t.lifecycle_stage = 'deleted'";
        case ALL -> "";
      };
    }
  }

  private static final String TRIAL_COLUMNS =
      """
      t.id, t.experiment_id, t.kind, t.ordinal, t.config, t.status, t.run_name, t.owner,
      e.owner AS experiment_owner, t.queued_at, t.started_at, t.finished_at, t.lifecycle_stage,
      t.last_metrics, t.worker_name
      """;

  private final JdbcClient jdbc;

  RunReader(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /** The run of trial {@code id}, if there is one. */
  public Optional<Run> find(long id) {
    List<Run> runs = read("t.id = :id", Map.of("id", id), View.ALL);
    return runs.isEmpty() ? Optional.empty() : Optional.of(runs.getFirst());
  }

  /** The runs of these trials (any lifecycle stage), in no particular order. */
  public List<Run> ofTrials(Collection<Long> trialIds) {
    if (trialIds.isEmpty()) {
      return List.of();
    }
    return read("t.id IN (:ids)", Map.of("ids", trialIds), View.ALL);
  }

  /** The runs of these experiments in the view, in no particular order. */
  public List<Run> ofExperiments(Collection<Long> experimentIds, View view) {
    return ofExperiments(experimentIds, view, RunFilter.ALL);
  }

  /**
   * The runs of these experiments in the view, each with the datasets it logged when {@code
   * withDatasets} (a search over datasets; reading them costs a query and a JSON parse per input).
   */
  public List<Run> ofExperiments(Collection<Long> experimentIds, View view, boolean withDatasets) {
    if (experimentIds.isEmpty()) {
      return List.of();
    }
    return read("t.experiment_id IN (:ids)", Map.of("ids", experimentIds), view, withDatasets);
  }

  /**
   * The runs of these experiments in the view that may match {@code filter}: at least every run
   * that does (the caller still applies the filter). An external run's metric and param clauses are
   * checked in SQL against its latest metrics and params, so that a selective search reads only the
   * runs it keeps; built-in trials are read whole. Dataset clauses are not checked in SQL (the
   * inputs are stored as sent, as JSON): with one, every run comes with its datasets.
   */
  public List<Run> ofExperiments(Collection<Long> experimentIds, View view, RunFilter filter) {
    if (experimentIds.isEmpty()) {
      return List.of();
    }
    StringBuilder where = new StringBuilder("t.experiment_id IN (:ids)");
    Map<String, Object> params = new HashMap<>();
    params.put("ids", experimentIds);
    int n = 0;
    for (RunFilter.Clause clause : filter.clauses()) {
      String key = "k" + n;
      String value = "v" + n;
      n++;
      if (clause.entity() == RunFilter.Entity.METRIC
          && List.of("=", "<", "<=", ">", ">=").contains(clause.op())
          && !Double.isNaN(clause.number())) {
        where.append(
            " AND (t.kind <> 'external' OR t.id IN (SELECT trial_id FROM run_metric"
                + " WHERE metric_key = :%s AND metric_value %s :%s))"
                    .formatted(key, clause.op(), value));
        params.put(key, clause.key());
        params.put(value, clause.number());
      } else if ((clause.entity() == RunFilter.Entity.PARAM
              || clause.entity() == RunFilter.Entity.TAG)
          && (clause.op().equals("=") || clause.op().equals("IN"))
          && !(clause.entity() == RunFilter.Entity.TAG && clause.key().equals("mlflow.runName"))) {
        boolean param = clause.entity() == RunFilter.Entity.PARAM;
        where.append(
            " AND (t.kind <> 'external' OR t.id IN (SELECT trial_id FROM %s WHERE %s = :%s AND %s IN (:%s)))"
                .formatted(
                    param ? "run_param" : "run_tag",
                    param ? "param_key" : "tag_key",
                    key,
                    param ? "param_value" : "tag_value",
                    value));
        params.put(key, clause.key());
        params.put(value, clause.values());
      }
    }
    return read(where.toString(), params, view, filter.readsDatasets());
  }

  private List<Run> read(String where, Map<String, ?> params, View view) {
    return read(where, params, view, false);
  }

  private List<Run> read(String where, Map<String, ?> params, View view, boolean withDatasets) {
    String trialWhere = where + view.condition();
    List<Row> rows =
        jdbc.sql(
                "SELECT "
                    + TRIAL_COLUMNS
                    + " FROM trial t JOIN experiment e ON e.id = t.experiment_id WHERE "
                    + trialWhere)
            .params(params)
            .query(RunReader::row)
            .list();
    if (rows.isEmpty()) {
      return List.of();
    }
    String subquery =
        " WHERE trial_id IN (SELECT t.id FROM trial t WHERE t.kind IN ('external', 'command') AND "
            + trialWhere
            + ")";
    Map<Long, Map<String, String>> runParams = new HashMap<>();
    Map<Long, Map<String, String>> runTags = new HashMap<>();
    Map<Long, Map<String, Run.LatestMetric>> runMetrics = new HashMap<>();
    // External runs and command trials (whose programs may log through the MLflow API) have
    // logged params, tags and metrics.
    boolean anyExternal = rows.stream().anyMatch(row -> !row.kind().equals("builtin"));
    // Tags: trials of every kind carry the tags users set on them (the runs table's bulk tag).
    jdbc.sql(
            "SELECT trial_id, tag_key, tag_value FROM run_tag WHERE trial_id IN"
                + " (SELECT t.id FROM trial t WHERE "
                + trialWhere
                + ")")
        .params(params)
        .query(
            (ResultSet row, int n) ->
                runTags
                    .computeIfAbsent(row.getLong(1), k -> new TreeMap<>())
                    .put(row.getString(2), row.getString(3)))
        .list();
    if (anyExternal) {
      jdbc.sql("SELECT trial_id, param_key, param_value FROM run_param" + subquery)
          .params(params)
          .query(
              (ResultSet row, int n) ->
                  runParams
                      .computeIfAbsent(row.getLong(1), k -> new TreeMap<>())
                      .put(row.getString(2), row.getString(3)))
          .list();
      jdbc.sql(
              "SELECT trial_id, metric_key, metric_value, timestamp_ms, step FROM run_metric"
                  + subquery)
          .params(params)
          .query(
              (ResultSet row, int n) ->
                  runMetrics
                      .computeIfAbsent(row.getLong(1), k -> new TreeMap<>())
                      .put(
                          row.getString(2),
                          new Run.LatestMetric(row.getDouble(3), row.getLong(4), row.getLong(5))))
          .list();
    }
    Map<Long, List<RunDataset>> datasets = withDatasets ? datasets(trialWhere, params) : Map.of();
    List<Run> runs = new ArrayList<>(rows.size());
    for (Row row : rows) {
      Run run =
          switch (row.kind()) {
            case "external" -> external(row, runParams, runTags, runMetrics);
            case "command" -> command(builtin(row), runParams, runTags, runMetrics);
            default -> withTags(builtin(row), runTags);
          };
      runs.add(withDatasets ? run.withDatasets(datasets.getOrDefault(row.id(), List.of())) : run);
    }
    return runs;
  }

  /**
   * The datasets of the runs {@code trialWhere} selects, in the order they were logged. As MLflow's
   * server keeps one input per dataset (name and digest) of a run, the first one logged, with its
   * context, a later input of the same dataset is left out.
   */
  private Map<Long, List<RunDataset>> datasets(String trialWhere, Map<String, ?> params) {
    Map<Long, Map<List<String>, RunDataset>> byRun = new HashMap<>();
    jdbc.sql(
            "SELECT trial_id, input FROM run_input WHERE trial_id IN"
                + " (SELECT t.id FROM trial t WHERE "
                + trialWhere
                + ") ORDER BY trial_id, id")
        .params(params)
        .query(
            (ResultSet row) -> {
              RunDataset dataset = RunDataset.of(read(row.getString(2)));
              if (dataset != null) {
                byRun
                    .computeIfAbsent(row.getLong(1), k -> new LinkedHashMap<>())
                    .putIfAbsent(dataset.key(), dataset);
              }
            });
    Map<Long, List<RunDataset>> datasets = new HashMap<>();
    byRun.forEach((id, inputs) -> datasets.put(id, List.copyOf(inputs.values())));
    return datasets;
  }

  private static Run external(
      Row row,
      Map<Long, Map<String, String>> params,
      Map<Long, Map<String, String>> tags,
      Map<Long, Map<String, Run.LatestMetric>> metrics) {
    Map<String, String> runTags = new TreeMap<>(tags.getOrDefault(row.id(), Map.of()));
    if (row.runName() != null) {
      runTags.put("mlflow.runName", row.runName());
    }
    return new Run(
        row.id(),
        row.experimentId(),
        row.kind(),
        row.runName() == null ? "" : row.runName(),
        row.owner(),
        mlflowStatus(row.status()),
        millis(row.startedAt()),
        millis(row.finishedAt()),
        row.lifecycleStage(),
        params.getOrDefault(row.id(), Map.of()),
        metrics.getOrDefault(row.id(), Map.of()),
        runTags);
  }

  /**
   * A command trial's run: its parameter values and reported metrics as a built-in trial's, with
   * what its program logged through the MLflow API over them.
   */
  private static Run command(
      Run run,
      Map<Long, Map<String, String>> params,
      Map<Long, Map<String, String>> tags,
      Map<Long, Map<String, Run.LatestMetric>> metrics) {
    Map<String, String> runParams = new TreeMap<>(run.params());
    runParams.putAll(params.getOrDefault(run.id(), Map.of()));
    Map<String, Run.LatestMetric> runMetrics = new TreeMap<>(run.metrics());
    runMetrics.putAll(metrics.getOrDefault(run.id(), Map.of()));
    Map<String, String> runTags = new TreeMap<>(tags.getOrDefault(run.id(), Map.of()));
    runTags.putAll(run.tags());
    return run.with(runParams, runMetrics, runTags);
  }

  /** A built-in trial's run with the tags users set on it; the system's tags win. */
  private static Run withTags(Run run, Map<Long, Map<String, String>> tags) {
    Map<String, String> userTags = tags.get(run.id());
    if (userTags == null) {
      return run;
    }
    Map<String, String> runTags = new TreeMap<>(userTags);
    runTags.putAll(run.tags());
    return run.with(run.params(), run.metrics(), runTags);
  }

  private static Run builtin(Row row) {
    Map<String, String> params = new TreeMap<>();
    flatten("", read(row.config()), params);
    Map<String, Run.LatestMetric> metrics = new TreeMap<>();
    Instant at = row.finishedAt() != null ? row.finishedAt() : row.queuedAt();
    JsonNode last = read(row.lastMetrics());
    for (Map.Entry<String, JsonNode> entry : last.properties()) {
      JsonNode value = entry.getValue();
      double number =
          value.isNumber() ? value.asDouble() : parseDouble(value.asString(""), Double.NaN);
      metrics.put(entry.getKey(), new Run.LatestMetric(number, at.toEpochMilli(), 0));
    }
    String name = "trial-" + row.ordinal();
    Map<String, String> tags = new TreeMap<>();
    tags.put("mlflow.runName", name);
    tags.put("mlflow.user", row.experimentOwner());
    tags.put("mlflow.source.type", "JOB");
    tags.put("mlflow.source.name", "digitlab");
    tags.put("digitlab.kind", row.kind());
    if (row.workerName() != null) {
      tags.put("digitlab.worker", row.workerName());
    }
    return new Run(
        row.id(),
        row.experimentId(),
        row.kind(),
        name,
        row.experimentOwner(),
        mlflowStatus(row.status()),
        millis(row.startedAt()),
        millis(row.finishedAt()),
        row.lifecycleStage(),
        params,
        metrics,
        tags);
  }

  /** MLflow's status for a stored trial status. */
  public static String mlflowStatus(String trialStatus) {
    return switch (trialStatus) {
      case "queued" -> "SCHEDULED";
      case "running" -> "RUNNING";
      case "succeeded" -> "FINISHED";
      case "failed" -> "FAILED";
      default -> "KILLED";
    };
  }

  /** The stored trial status for MLflow's status; empty for a name MLflow does not have. */
  public static Optional<String> trialStatus(String mlflowStatus) {
    return Optional.ofNullable(
        switch (mlflowStatus) {
          case "SCHEDULED" -> "queued";
          case "RUNNING" -> "running";
          case "FINISHED" -> "succeeded";
          case "FAILED" -> "failed";
          case "KILLED" -> "cancelled";
          default -> null;
        });
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> entry : node.properties()) {
        flatten(prefix + entry.getKey() + ".", entry.getValue(), into);
      }
    } else if (!prefix.isEmpty() && !node.isNull()) {
      String key = prefix.substring(0, prefix.length() - 1);
      into.put(key, node.isValueNode() ? node.asString() : node.toString());
    }
  }

  private static double parseDouble(String text, double otherwise) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      return otherwise;
    }
  }

  private static JsonNode read(String json) {
    if (json == null || json.isBlank()) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(json);
    } catch (JacksonException e) {
      return JSON.createObjectNode();
    }
  }

  private static Long millis(Instant instant) {
    return instant == null ? null : instant.toEpochMilli();
  }

  private record Row(
      long id,
      long experimentId,
      String kind,
      int ordinal,
      String config,
      String status,
      String runName,
      String owner,
      String experimentOwner,
      Instant queuedAt,
      Instant startedAt,
      Instant finishedAt,
      String lifecycleStage,
      String lastMetrics,
      String workerName) {}

  private static Row row(ResultSet row, int n) throws SQLException {
    return new Row(
        row.getLong("id"),
        row.getLong("experiment_id"),
        row.getString("kind"),
        row.getInt("ordinal"),
        row.getString("config"),
        row.getString("status"),
        row.getString("run_name"),
        row.getString("owner"),
        row.getString("experiment_owner"),
        instant(row, "queued_at"),
        instant(row, "started_at"),
        instant(row, "finished_at"),
        row.getString("lifecycle_stage"),
        row.getString("last_metrics"),
        row.getString("worker_name"));
  }
}
