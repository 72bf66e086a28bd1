package dev.digitlab.server.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The records of an experiment export. Version 2 (what {@code GET /api/v1/experiments/{id}/export}
 * writes) is a {@code .tar.gz} read by {@link TransferArchive}, laid out as:
 *
 * <pre>
 * manifest.json                          format, version, every entry's size and SHA-256
 * experiment.json                        {@link Exported}
 * origin.json                            [{@link Origin}]: the servers it lived on, this one last
 * trials/ORDINAL/trial.json              {@link Trial} (events and artifact bytes left out)
 * trials/ORDINAL/events.json             [{@link Event}], with the time each was stored
 * trials/ORDINAL/mlflow.json             {@link Mlflow}: params, tags, latest metrics, inputs
 * trials/ORDINAL/attempt-N/FILE          model, reports and checkpoint of attempt N (every attempt)
 * trials/ORDINAL/attempt-N/outputs/NAME  a command trial's output files of attempt N
 * trials/ORDINAL/mlflow-artifacts/PATH   files logged through MLflow's artifact proxy
 * models.json                            [{@link Model}]: versions registered from its trials
 * models/NAME/vN/model.dlm, model.onnx   their files
 * code/SHA256.tar.gz                     a command experiment's packed code ({@code code:})
 * dataset.json                           {@link Dataset}: the registered dataset it trained on
 * datasets/SHA256/FILE                   its four IDX files
 * </pre>
 *
 * <p>{@code experiment.json}'s {@code importedFrom} lists, for an experiment that was itself
 * imported, the digests of the archives it came from (left out otherwise, so that an export of an
 * experiment made here reads as before): an import of this export where one of them was imported
 * already is the same experiment again.
 *
 * <p>{@code origin.json} (since V20) names, oldest first, every server the experiment lived on and
 * its id there: the server it was made on first, the exporting server last. An import on a server
 * it names, whose experiment of that id still exists, is that experiment again. It does not count
 * in the archive's identity ({@link TransferArchive}), so an unchanged experiment exported before
 * and after it was written has one identity; older servers ignore the entry, and archives without
 * it import as before.
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

  /** The entry naming the servers the experiment lived on; see {@link Origin}. */
  static final String ORIGIN = "origin.json";

  /** The most servers {@code origin.json} may name. */
  static final int MAX_ORIGINS = 100;

  /**
   * A server the experiment lived on ({@code server}, its {@link ServerIdentity}) and its id there.
   */
  record Origin(String server, long experiment) {}

  /**
   * What an export's {@code origin.json} lists: the servers it lived on before ({@code earlier},
   * oldest first, as its import here kept them), then this server ({@code here}). Past {@value
   * #MAX_ORIGINS}, where it was made and the latest stops are kept: what an import here or there
   * checks. Experiment and pipeline exports both list theirs so.
   */
  static <T> List<T> origins(List<T> earlier, T here) {
    List<T> origins = new ArrayList<>();
    if (earlier.size() >= MAX_ORIGINS) {
      origins.add(earlier.getFirst());
      origins.addAll(earlier.subList(earlier.size() - MAX_ORIGINS + 2, earlier.size()));
    } else {
      origins.addAll(earlier);
    }
    origins.add(here);
    return origins;
  }

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
      String createdAt,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> importedFrom) {}

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
   * One artifact file of the attempt that wrote it: a built-in one named as {@code RunArtifact}
   * names it, or (version 2, {@code kind} {@value dev.digitlab.worker.run.RunArtifact#OUTPUT_KIND})
   * a command's output file, named as its artifact event named it. Its bytes are {@code base64} in
   * version 1, the entry {@code trials/ORDINAL/attempt-N/FILE} (or {@code attempt-N/outputs/NAME})
   * in 2; {@code kind} and {@code bytes} are absent in version 1 and in version 2 files written
   * before output files were carried.
   */
  record Artifact(String name, int attempt, String sha256, String base64, String kind, Long bytes) {

    boolean output() {
      return dev.digitlab.worker.run.RunArtifact.OUTPUT_KIND.equals(kind);
    }
  }

  /**
   * A registered dataset the experiment trained on ({@code dataset: NAME}, the spec's {@code
   * datasetSha256}), carried so that a server without it can register it: its four files are {@code
   * datasets/SHA256/FILE}.
   */
  record Dataset(String name, String sha256, int classes) {}

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

  /** The SHA-256 of the code a stored spec names ({@code code: sha256:HEX}), or null. */
  static String codeOf(String spec) {
    String code = specField(spec, "code");
    return code != null && code.matches("sha256:[0-9a-f]{64}") ? code.substring(7) : null;
  }

  /** The digest of the registered dataset a stored spec trained on, or null (built-in). */
  static String datasetSha256Of(String spec) {
    String sha = specField(spec, "datasetSha256");
    return sha != null && sha.matches("[0-9a-f]{64}") ? sha : null;
  }

  /** Whether a stored spec is a command experiment's (it names a {@code command}). */
  static boolean isCommand(String spec) {
    try {
      return dev.digitlab.ml.json.Json.mapper().readTree(spec).path("command").isArray();
    } catch (tools.jackson.core.JacksonException e) {
      return false;
    }
  }

  private static String specField(String spec, String field) {
    try {
      return dev.digitlab.ml.json.Json.mapper().readTree(spec).path(field).asString(null);
    } catch (tools.jackson.core.JacksonException e) {
      return null;
    }
  }

  static String codeEntry(String sha256) {
    return "code/" + sha256 + ".tar.gz";
  }

  static String datasetFolder(String sha256) {
    return "datasets/" + sha256 + "/";
  }

  static String modelFolder(String model, int version) {
    return "models/" + model + "/v" + version + "/";
  }
}
