package dev.digitlab.server.transfer;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.trials.TrialDirectories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * What a trial logged through the MLflow API besides its events (params, tags, each metric's latest
 * value, inputs, and the files logged through the artifact proxy), read for an export and written
 * back by an import. The rows are MLflow's tables (V14), not the trial's: the queue stays the only
 * writer of {@code trial}.
 */
@Component
class MlflowRecords {

  /** The folder of a trial's MLflow files, as {@code mlflow/RunArtifacts} keeps them. */
  static final String FOLDER = "mlflow-artifacts";

  private final JdbcClient jdbc;
  private final TrialDirectories directories;
  private final Clock clock;

  MlflowRecords(JdbcClient jdbc, TrialDirectories directories, Clock clock) {
    this.jdbc = jdbc;
    this.directories = directories;
    this.clock = clock;
  }

  /** The record and its files (by path under the trial's MLflow folder). */
  record Logged(ExperimentExport.Mlflow record, Map<String, Path> files) {}

  /** What the trial logged through MLflow, or empty when it logged nothing that way. */
  Optional<Logged> of(long trialId) {
    Map<String, String> params = new LinkedHashMap<>();
    jdbc.sql("SELECT param_key, param_value FROM run_param WHERE trial_id = :t ORDER BY param_key")
        .param("t", trialId)
        .query((row, n) -> params.put(row.getString(1), row.getString(2)))
        .list();
    Map<String, String> tags = new LinkedHashMap<>();
    jdbc.sql("SELECT tag_key, tag_value FROM run_tag WHERE trial_id = :t ORDER BY tag_key")
        .param("t", trialId)
        .query((row, n) -> tags.put(row.getString(1), row.getString(2)))
        .list();
    List<ExperimentExport.Metric> metrics =
        jdbc.sql(
                "SELECT metric_key, metric_value, timestamp_ms, step FROM run_metric"
                    + " WHERE trial_id = :t ORDER BY metric_key")
            .param("t", trialId)
            .query(
                (row, n) ->
                    new ExperimentExport.Metric(
                        row.getString(1), row.getDouble(2), row.getLong(3), row.getLong(4)))
            .list();
    List<String> inputs =
        jdbc.sql("SELECT input FROM run_input WHERE trial_id = :t ORDER BY id")
            .param("t", trialId)
            .query(String.class)
            .list();
    List<String> paths =
        jdbc.sql("SELECT path FROM run_artifact WHERE trial_id = :t ORDER BY path")
            .param("t", trialId)
            .query(String.class)
            .list();
    if (params.isEmpty()
        && tags.isEmpty()
        && metrics.isEmpty()
        && inputs.isEmpty()
        && paths.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Path> files = new LinkedHashMap<>();
    for (String path : paths) {
      Path file = directories.of(trialId).resolve(FOLDER).resolve(path);
      if (directories.artifacts().fetch(trialId, FOLDER + "/" + path, file)) {
        files.put(path, file);
      }
    }
    return Optional.of(
        new Logged(
            new ExperimentExport.Mlflow(params, tags, metrics, inputs, List.copyOf(files.keySet())),
            files));
  }

  /** Stores what the export carried for the new trial; joins the caller's transaction. */
  void write(long trialId, ExperimentExport.Mlflow record, Map<String, byte[]> files) {
    record
        .params()
        .forEach(
            (key, value) ->
                jdbc.sql(
                        "INSERT INTO run_param (trial_id, param_key, param_value)"
                            + " VALUES (:t, :k, :v)")
                    .param("t", trialId)
                    .param("k", key)
                    .param("v", value)
                    .update());
    record
        .tags()
        .forEach(
            (key, value) ->
                jdbc.sql("INSERT INTO run_tag (trial_id, tag_key, tag_value) VALUES (:t, :k, :v)")
                    .param("t", trialId)
                    .param("k", key)
                    .param("v", value)
                    .update());
    for (ExperimentExport.Metric metric : record.metrics()) {
      jdbc.sql(
              "INSERT INTO run_metric (trial_id, metric_key, metric_value, timestamp_ms, step)"
                  + " VALUES (:t, :k, :v, :ts, :step)")
          .param("t", trialId)
          .param("k", metric.key())
          .param("v", metric.value())
          .param("ts", metric.timestampMs())
          .param("step", metric.step())
          .update();
    }
    for (String input : record.inputs()) {
      jdbc.sql("INSERT INTO run_input (trial_id, input) VALUES (:t, :i)")
          .param("t", trialId)
          .param("i", input)
          .update();
    }
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      Path target = directories.of(trialId).resolve(FOLDER).resolve(file.getKey());
      try {
        Files.createDirectories(target.getParent());
        Files.write(target, file.getValue());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      directories.artifacts().publish(trialId, FOLDER + "/" + file.getKey(), target);
      jdbc.sql(
              "INSERT INTO run_artifact (trial_id, path, file_size, created_at)"
                  + " VALUES (:t, :p, :s, :now)")
          .param("t", trialId)
          .param("p", file.getKey())
          .param("s", file.getValue().length)
          .param("now", toSql(clock.instant()))
          .update();
    }
  }
}
