package dev.digitlab.server.transfer;

import java.util.List;
import java.util.Map;

/**
 * The records of an experiment export. Version 2 (what {@code GET /api/v1/experiments/{id}/export}
 * writes) is a {@code .tar.gz} read by {@link TransferArchive}, laid out as:
 *
 * <pre>
 * manifest.json                          format, version, every entry's size and SHA-256
 * experiment.json                        {@link Exported}
 * trials/ORDINAL/trial.json              {@link Trial} (events and artifact bytes left out)
 * trials/ORDINAL/events.json             [{@link Event}], with the time each was stored
 * trials/ORDINAL/mlflow.json             {@link Mlflow}: params, tags, latest metrics, inputs
 * trials/ORDINAL/attempt-N/FILE          model, reports and checkpoint of attempt N
 * trials/ORDINAL/mlflow-artifacts/PATH   files logged through MLflow's artifact proxy
 * models.json                            [{@link Model}]: versions registered from its trials
 * models/NAME/vN/model.dlm, model.onnx   their files
 * </pre>
 *
 * <p>Version 1 (one gzip JSON document, {@code base64} artifacts, written until issue 21's second
 * part) is still read. Times are ISO-8601 strings; {@code spec}, {@code config} and {@code
 * lastMetrics} are the JSON text the server stored.
 */
record ExperimentExport(
    String format, int version, String exportedAt, Exported experiment, List<Trial> trials) {

  static final String FORMAT = "digitlab-experiment";

  /** The JSON document of the first format, still read. */
  static final int VERSION = 1;

  /** The {@code .tar.gz} written now. */
  static final int ARCHIVE_VERSION = 2;

  record Exported(
      long id,
      String name,
      String owner,
      String description,
      String notes,
      List<String> tags,
      String dataset,
      String spec,
      String objectiveMetric,
      String objectiveGoal,
      int maxParallelTrials,
      int priority,
      String status,
      String createdAt) {}

  record Trial(
      long id,
      int ordinal,
      String config,
      String status,
      int attempt,
      String requires,
      String workerName,
      String lastMetrics,
      Double bestMetric,
      Double testAccuracy,
      Double testF1Macro,
      Double trainSeconds,
      String queuedAt,
      String startedAt,
      String finishedAt,
      String failureReason,
      List<Event> events,
      List<Artifact> artifacts) {

    /** This trial with {@code events} (version 2 keeps them in an entry of their own). */
    Trial withEvents(List<Event> replaced) {
      return new Trial(
          id,
          ordinal,
          config,
          status,
          attempt,
          requires,
          workerName,
          lastMetrics,
          bestMetric,
          testAccuracy,
          testF1Macro,
          trainSeconds,
          queuedAt,
          startedAt,
          finishedAt,
          failureReason,
          replaced,
          artifacts);
    }
  }

  /**
   * One event; {@code type} is its wire name ({@code metric}, {@code log}, …); {@code at} the time
   * it was stored where it was exported (absent in version 1: then the import's time).
   */
  record Event(int attempt, long seq, String type, String payload, String at) {}

  /**
   * One artifact file of the attempt that wrote it, named as {@code RunArtifact} names it; its
   * bytes are {@code base64} in version 1, the entry {@code trials/ORDINAL/attempt-N/FILE} in 2.
   */
  record Artifact(String name, int attempt, String sha256, String base64) {}

  /** What an external (MLflow) or command trial logged besides events: carried as it is. */
  record Mlflow(
      Map<String, String> params,
      Map<String, String> tags,
      List<Metric> metrics,
      List<String> inputs,
      List<String> artifacts) {}

  /** A metric's latest value as {@code run_metric} keeps it. */
  record Metric(String key, double value, long timestampMs, long step) {}

  /**
   * A registered version made from one of the experiment's trials ({@code trialOrdinal}, null for
   * none), the aliases that pointed at it and its registered model's description. Its files are
   * {@code models/NAME/vN/model.dlm} and {@code model.onnx}.
   */
  record Model(
      String model,
      int version,
      Integer trialOrdinal,
      String modelDescription,
      String description,
      List<String> aliases,
      String architecture,
      String config,
      String preprocessing,
      String artifactSha256,
      Double testAccuracy,
      Double testF1Macro,
      String metrics,
      String dataset,
      Map<String, String> datasetDigests,
      String status,
      String createdAt) {}

  static String trialFolder(int ordinal) {
    return "trials/" + ordinal + "/";
  }

  static String modelFolder(String model, int version) {
    return "models/" + model + "/v" + version + "/";
  }
}
