package dev.digitlab.server.transfer;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.protocol.experiment.Goal;
import dev.digitlab.protocol.experiment.ObjectiveMetric;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.NewEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.ImportedTrials;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.worker.run.RunArtifact;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * Stores an export ({@link ExperimentExport}) as a new experiment with new ids, all or nothing: the
 * whole file is read and checked before anything is written, and the rows are written in one
 * transaction (the artifact files are removed again if it fails).
 *
 * <p>Importing is idempotent: the SHA-256 of the export's JSON is kept as the experiment's tag
 * {@value #DIGEST_TAG}, and a file already imported is refused with 409 naming that experiment.
 */
@Component
class ExperimentImporter {

  static final String DIGEST_TAG = "digitlab.import.sha256";
  static final String SOURCE_TAG = "digitlab.import.source";

  /** The most bytes an export may inflate to: a small file must not unpack into gigabytes. */
  static final long MAX_INFLATED = 512L * 1024 * 1024;

  private final JdbcClient jdbc;
  private final TransactionTemplate transaction;
  private final ImportedTrials trials;
  private final EventStore events;
  private final ExperimentStore experiments;
  private final TrialDirectories directories;
  private final Clock clock;

  ExperimentImporter(
      JdbcClient jdbc,
      PlatformTransactionManager transactions,
      ImportedTrials trials,
      EventStore events,
      ExperimentStore experiments,
      TrialDirectories directories,
      Clock clock) {
    this.jdbc = jdbc;
    this.transaction = new TransactionTemplate(transactions);
    this.trials = trials;
    this.events = events;
    this.experiments = experiments;
    this.directories = directories;
    this.clock = clock;
  }

  /** The new experiment's id. */
  long importFile(byte[] file, String owner) {
    byte[] document = inflate(file);
    ExperimentExport export = parse(document);
    List<Checked> checked = new ArrayList<>();
    java.util.Set<Integer> ordinals = new java.util.HashSet<>();
    for (ExperimentExport.Trial trial : export.trials()) {
      if (trial == null) {
        throw bad("has an empty trial");
      }
      if (!ordinals.add(trial.ordinal())) {
        throw bad("has two trials of ordinal " + trial.ordinal());
      }
      checked.add(check(trial));
    }
    ExperimentExport.Exported experiment = export.experiment();
    String digest = Digests.sha256(document);
    List<Long> written = new ArrayList<>();
    try {
      return transaction.execute(
          status -> {
            Optional<Long> existing =
                jdbc.sql(
                        "SELECT MIN(experiment_id) FROM experiment_tag"
                            + " WHERE tag_key = :key AND tag_value = :digest")
                    .param("key", DIGEST_TAG)
                    .param("digest", digest)
                    .query(Long.class)
                    .optional();
            if (existing.isPresent()) {
              throw new ConflictException(
                  "This file was imported already, as experiment "
                      + existing.get()
                      + " (/api/v1/experiments/"
                      + existing.get()
                      + "); importing it again stores nothing.");
            }
            long id = insertExperiment(experiment, owner);
            tag(id, DIGEST_TAG, digest);
            tag(
                id,
                SOURCE_TAG,
                "experiment "
                    + experiment.id()
                    + " of "
                    + experiment.owner()
                    + ", exported "
                    + export.exportedAt());
            for (Checked trial : checked) {
              long trialId = trials.insert(id, trial.row());
              for (Map.Entry<Integer, List<NewEvent>> attempt : trial.events().entrySet()) {
                events.append(trialId, attempt.getKey(), attempt.getValue());
              }
              if (!trial.artifacts().isEmpty()) {
                written.add(trialId);
              }
              for (CheckedArtifact artifact : trial.artifacts()) {
                write(trialId, artifact);
              }
            }
            experiments.rollUp(id);
            return id;
          });
    } catch (RuntimeException e) {
      // The rows are rolled back; the files of trials that no longer exist go too.
      for (long trialId : written) {
        directories.delete(trialId);
      }
      throw e;
    }
  }

  private long insertExperiment(ExperimentExport.Exported experiment, String owner) {
    Instant now = clock.instant();
    KeyHolder key = new GeneratedKeyHolder();
    jdbc.sql(
            """
            INSERT INTO experiment (name, owner, description, notes, tags, dataset, spec,
                objective_metric, objective_goal, max_parallel_trials, priority, status,
                created_at, updated_at)
            VALUES (:name, :owner, :description, :notes, :tags, :dataset, :spec, :metric, :goal,
                :maxParallel, :priority, 'running', :created, :now)
            """)
        .param("name", experiment.name())
        .param("owner", owner)
        .param("description", experiment.description())
        .param("notes", experiment.notes())
        .param(
            "tags",
            "," + String.join(",", experiment.tags()) + (experiment.tags().isEmpty() ? "" : ","))
        .param("dataset", experiment.dataset())
        .param("spec", experiment.spec())
        .param("metric", experiment.objectiveMetric())
        .param("goal", experiment.objectiveGoal())
        .param("maxParallel", experiment.maxParallelTrials())
        .param("priority", experiment.priority())
        .param("created", toSql(instant("experiment.createdAt", experiment.createdAt())))
        .param("now", toSql(now))
        .update(key, "id");
    return key.getKeyAs(Number.class).longValue();
  }

  private void tag(long experimentId, String key, String value) {
    jdbc.sql(
            "INSERT INTO experiment_tag (experiment_id, tag_key, tag_value)"
                + " VALUES (:id, :key, :value)")
        .param("id", experimentId)
        .param("key", key)
        .param("value", value)
        .update();
  }

  private void write(long trialId, CheckedArtifact artifact) {
    Path dir = directories.of(trialId).resolve("attempt-" + artifact.attempt());
    Path file = artifact.artifact().in(dir);
    try {
      Files.createDirectories(dir);
      Files.write(file, artifact.bytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (directories.artifacts().shared()) {
      directories.artifacts().publish(trialId, artifact.attempt(), file);
    }
  }

  // ---- reading and checking, before anything is written

  private record Checked(
      ImportedTrials.Finished row,
      Map<Integer, List<NewEvent>> events,
      List<CheckedArtifact> artifacts) {}

  private record CheckedArtifact(RunArtifact artifact, int attempt, byte[] bytes) {}

  /** Gunzips the file; a plain JSON file is taken as it is. */
  private static byte[] inflate(byte[] file) {
    if (file.length >= 2 && (file[0] & 0xff) == 0x1f && (file[1] & 0xff) == 0x8b) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        for (int n; (n = in.read(buffer)) > 0; ) {
          total += n;
          if (total > MAX_INFLATED) {
            throw bad(
                "unpacks to more than " + MAX_INFLATED + " bytes; not an export this server takes");
          }
          out.write(buffer, 0, n);
        }
        return out.toByteArray();
      } catch (IOException e) {
        throw bad(
            "is damaged or truncated: its gzip stream cannot be read ("
                + e.getMessage()
                + "); export the experiment again");
      }
    }
    return file;
  }

  private static ExperimentExport parse(byte[] document) {
    JsonNode tree;
    try {
      tree = Json.mapper().readTree(document);
    } catch (JacksonException e) {
      throw bad(
          "is neither a gzip-compressed nor a plain Digit Lab experiment export (JSON): "
              + e.getOriginalMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw bad("is not a Digit Lab experiment export: its JSON is not an object");
    }
    String format = tree.path("format").asString("");
    if (!ExperimentExport.FORMAT.equals(format)) {
      throw bad(
          "is not a Digit Lab experiment export: format is '"
              + format
              + "', expected '"
              + ExperimentExport.FORMAT
              + "'");
    }
    JsonNode version = tree.path("version");
    if (!version.isInt() || version.asInt() != ExperimentExport.VERSION) {
      throw bad(
          "is an export of version "
              + version
              + "; this server reads version "
              + ExperimentExport.VERSION
              + " only");
    }
    ExperimentExport export;
    try {
      export = Json.mapper().treeToValue(tree, ExperimentExport.class);
    } catch (JacksonException e) {
      throw bad("has a field this server cannot read: " + e.getOriginalMessage());
    }
    ExperimentExport.Exported experiment = export.experiment();
    if (experiment == null || export.trials() == null) {
      throw bad("misses its experiment or its trials");
    }
    require(experiment.name(), "experiment.name");
    require(experiment.dataset(), "experiment.dataset");
    require(experiment.spec(), "experiment.spec");
    require(experiment.createdAt(), "experiment.createdAt");
    if (experiment.name().length() > 200 || experiment.dataset().length() > 100) {
      throw bad("has an experiment name over 200 or a dataset name over 100 characters");
    }
    if (experiment.tags() == null
        || experiment.tags().stream().anyMatch(t -> t == null || t.isBlank() || t.contains(","))) {
      throw bad("has experiment.tags that are missing, blank or contain commas");
    }
    if (experiment.maxParallelTrials() < 1) {
      throw bad("has experiment.maxParallelTrials below 1");
    }
    try {
      if (!Experiment.NO_OBJECTIVE.equals(experiment.objectiveMetric())) {
        ObjectiveMetric.parse(experiment.objectiveMetric());
      }
      Goal.parse(experiment.objectiveGoal());
    } catch (RuntimeException e) {
      throw bad("has an objective this server does not know: " + e.getMessage());
    }
    return export;
  }

  private static Checked check(ExperimentExport.Trial trial) {
    String where = "trial " + trial.id();
    require(trial.config(), where + ".config");
    require(trial.status(), where + ".status");
    require(trial.queuedAt(), where + ".queuedAt");
    checkLength(trial.config(), 100_000, where + ".config");
    checkLength(trial.lastMetrics(), 100_000, where + ".lastMetrics");
    checkLength(trial.failureReason(), 1_900, where + ".failureReason");
    checkLength(trial.workerName(), 200, where + ".workerName");
    if (trial.requires() != null && !List.of("cpu", "gpu").contains(trial.requires())) {
      throw bad("has " + where + ".requires '" + trial.requires() + "', not cpu or gpu");
    }
    if (trial.attempt() < 0) {
      throw bad("has " + where + ".attempt below 0");
    }
    TrialStatus status;
    try {
      status = TrialStatus.fromDb(trial.status());
    } catch (IllegalArgumentException e) {
      throw bad("has " + where + " with an unknown status '" + trial.status() + "'");
    }
    String failureReason = trial.failureReason();
    if (!status.isTerminal()) {
      // Nothing runs an imported trial: one still queued or running where it was exported
      // arrives stopped, and says so.
      failureReason = "Was " + trial.status() + " when exported; imported as cancelled.";
      status = TrialStatus.CANCELLED;
    }
    ImportedTrials.Finished row =
        new ImportedTrials.Finished(
            trial.ordinal(),
            trial.config(),
            status,
            trial.attempt(),
            trial.requires(),
            trial.workerName(),
            trial.lastMetrics(),
            trial.bestMetric(),
            trial.testAccuracy(),
            trial.testF1Macro(),
            trial.trainSeconds(),
            instant(where + ".queuedAt", trial.queuedAt()),
            trial.startedAt() == null ? null : instant(where + ".startedAt", trial.startedAt()),
            trial.finishedAt() == null ? null : instant(where + ".finishedAt", trial.finishedAt()),
            failureReason);
    Map<Integer, List<NewEvent>> byAttempt = new LinkedHashMap<>();
    for (ExperimentExport.Event event :
        trial.events() == null ? List.<ExperimentExport.Event>of() : trial.events()) {
      if (event == null || event.type() == null || event.payload() == null || event.seq() < 0) {
        throw bad("has an event of " + where + " without a type, a payload or a valid seq");
      }
      EventType type;
      try {
        type = EventType.fromWireName(event.type());
        Json.mapper().readValue(event.payload(), type.payloadType());
      } catch (RuntimeException e) {
        throw bad(
            "has an event of "
                + where
                + " (seq "
                + event.seq()
                + ") that cannot be read: "
                + e.getMessage());
      }
      byAttempt
          .computeIfAbsent(event.attempt(), a -> new ArrayList<>())
          .add(new NewEvent(event.seq(), type, event.payload()));
    }
    List<CheckedArtifact> artifacts = new ArrayList<>();
    for (ExperimentExport.Artifact artifact :
        trial.artifacts() == null ? List.<ExperimentExport.Artifact>of() : trial.artifacts()) {
      if (artifact == null || artifact.name() == null || artifact.base64() == null) {
        throw bad("has an artifact of " + where + " without a name or contents");
      }
      // Only the artifacts an export carries, by name: their file names are ours, so no path in
      // the file can point outside the trial's folder.
      RunArtifact known =
          RunArtifact.named(artifact.name())
              .filter(ExperimentExporter.CARRIED::contains)
              .orElseThrow(
                  () ->
                      bad(
                          "has an artifact '"
                              + artifact.name()
                              + "' of "
                              + where
                              + " that exports do not carry"));
      if (artifact.attempt() < 1) {
        throw bad("has an artifact of " + where + " with attempt " + artifact.attempt());
      }
      byte[] bytes;
      try {
        bytes = Base64.getDecoder().decode(artifact.base64());
      } catch (IllegalArgumentException e) {
        throw bad("has an artifact " + artifact.name() + " of " + where + " that is not base64");
      }
      if (!Digests.sha256(bytes).equals(artifact.sha256())) {
        throw bad(
            "has an artifact "
                + artifact.name()
                + " of "
                + where
                + " whose contents do not match its sha256: the file was changed or damaged");
      }
      artifacts.add(new CheckedArtifact(known, artifact.attempt(), bytes));
    }
    return new Checked(row, byAttempt, artifacts);
  }

  private static void checkLength(String value, int most, String field) {
    if (value != null && value.length() > most) {
      throw bad("has " + field + " longer than " + most + " characters");
    }
  }

  private static void require(String value, String field) {
    if (value == null || value.isBlank()) {
      throw bad("misses " + field);
    }
  }

  private static Instant instant(String field, String value) {
    try {
      return Instant.parse(value);
    } catch (RuntimeException e) {
      throw bad("has " + field + " '" + value + "', not an ISO-8601 instant");
    }
  }

  private static InvalidParameterException bad(String message) {
    return new InvalidParameterException("file", "The file " + message + ".");
  }
}
