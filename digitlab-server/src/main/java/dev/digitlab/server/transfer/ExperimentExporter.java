package dev.digitlab.server.transfer;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.event.EventType;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.code.CodeStore;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialFiles;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/** Writes an experiment as a {@code .tar.gz} ({@link ExperimentExport} says what is where). */
@Component
class ExperimentExporter {

  /** The artifacts an export carries: what the trial page shows, and what resuming needs. */
  static final List<RunArtifact> CARRIED =
      List.of(
          RunArtifact.MODEL,
          RunArtifact.CONFUSION_MATRIX,
          RunArtifact.PER_CLASS,
          RunArtifact.MISCLASSIFIED,
          RunArtifact.CHECKPOINT);

  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final EventStore events;
  private final TrialFiles files;
  private final JdbcClient jdbc;
  private final ModelRegistry registry;
  private final MlflowRecords mlflow;
  private final CodeStore code;
  private final DatasetRegistry datasets;
  private final ServerIdentity server;
  private final TransferSpace space;
  private final Clock clock;

  ExperimentExporter(
      ExperimentStore experiments,
      TrialStore trials,
      EventStore events,
      TrialFiles files,
      JdbcClient jdbc,
      ModelRegistry registry,
      MlflowRecords mlflow,
      CodeStore code,
      DatasetRegistry datasets,
      ServerIdentity server,
      TransferSpace space,
      Clock clock) {
    this.experiments = experiments;
    this.trials = trials;
    this.events = events;
    this.files = files;
    this.jdbc = jdbc;
    this.registry = registry;
    this.mlflow = mlflow;
    this.code = code;
    this.datasets = datasets;
    this.server = server;
    this.space = space;
    this.clock = clock;
  }

  /**
   * The experiment's export, gathered (an unknown experiment is a 404 before anything is sent) and
   * ready to be written; the caller closes it.
   */
  ExportEntries export(long id) {
    return ExportEntries.gather(
        space,
        ExperimentExport.FORMAT,
        ExperimentExport.ARCHIVE_VERSION,
        clock.instant().toString(),
        entries -> entries(id, entries));
  }

  /**
   * Puts the entries of the experiment's export into {@code entries}, in order, without the
   * manifest: a pipeline export carries its command steps' experiments as these.
   */
  void entries(long id, ExportEntries entries) {
    Experiment experiment =
        experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
    String notes =
        jdbc.sql("SELECT notes FROM experiment WHERE id = :id")
            .param("id", id)
            .query(String.class)
            .optional()
            .orElse(null);
    ExperimentExport.Exported exported =
        new ExperimentExport.Exported(
            experiment.id(),
            experiment.name(),
            experiment.owner(),
            experiment.description(),
            notes,
            experiment.tags(),
            experiment.dataset(),
            experiment.spec(),
            experiment.objectiveMetricName(),
            experiment.objectiveGoalName(),
            experiment.maxParallelTrials(),
            experiment.priority(),
            experiment.status().dbValue(),
            experiment.createdAt().toString(),
            // Where an imported experiment came from: a re-export of it is not a new experiment.
            // The digests this server verified and those its file claimed (V20) both travel: a
            // claim can only ever make a file that carries it a duplicate, never block another.
            jdbc.sql(
                    "SELECT digest FROM imported_archive WHERE experiment_id = :id"
                        + " UNION SELECT digest FROM imported_claim WHERE experiment_id = :id"
                        + " ORDER BY digest")
                .param("id", id)
                .query(String.class)
                .list());
    entries.put("experiment.json", json(exported));
    List<ExperimentExport.Origin> origins =
        ExperimentExport.origins(
            jdbc.sql(
                    "SELECT server_id, source_experiment_id FROM experiment_origin"
                        + " WHERE experiment_id = :id ORDER BY position")
                .param("id", id)
                .query((row, n) -> new ExperimentExport.Origin(row.getString(1), row.getLong(2)))
                .list(),
            new ExperimentExport.Origin(server.id(), id));
    entries.put(ExperimentExport.ORIGIN, json(origins));
    Map<Long, Integer> ordinals = new HashMap<>();
    for (Trial trial : trials.listByExperiment(id)) {
      ordinals.put(trial.id(), trial.ordinal());
      String folder = ExperimentExport.trialFolder(trial.ordinal());
      List<ExperimentExport.Event> trialEvents = events(trial);
      List<ExperimentExport.Artifact> artifacts = new ArrayList<>();
      // Read for trial.json's sizes and digests now, written after it.
      Map<String, Map.Entry<Path, ExportEntries.Digested>> artifactFiles = new LinkedHashMap<>();
      for (Announced file : announced(trial, trialEvents)) {
        Optional<Path> path = files.ofAttempt(trial, file.attempt(), file.relative());
        if (path.isEmpty()) {
          continue; // announced, but never uploaded (or removed since): nothing to carry
        }
        ExportEntries.Digested digested = ExportEntries.digest(path.get());
        artifacts.add(
            new ExperimentExport.Artifact(
                file.name(),
                file.attempt(),
                digested.sha256(),
                null,
                file.output() ? RunArtifact.OUTPUT_KIND : null,
                digested.size()));
        artifactFiles.put(
            folder + "attempt-" + file.attempt() + "/" + file.relative(),
            Map.entry(path.get(), digested));
      }
      entries.put(folder + "trial.json", json(trial(trial, null, artifacts)));
      entries.put(folder + "events.json", json(trialEvents));
      Optional<MlflowRecords.Logged> logged = mlflow.of(trial.id());
      if (logged.isPresent()) {
        entries.put(folder + "mlflow.json", json(logged.get().record()));
        logged
            .get()
            .files()
            .forEach((path, file) -> entries.putFile(folder + "mlflow-artifacts/" + path, file));
      }
      artifactFiles.forEach((path, file) -> entries.putFile(path, file.getKey(), file.getValue()));
    }
    List<ExperimentExport.Model> models = new ArrayList<>();
    for (ModelRegistry.Stored carried : registry.versionsOfExperiment(id)) {
      ModelVersion v = carried.version();
      models.add(
          new ExperimentExport.Model(
              v.model(),
              v.version(),
              v.trialId() == null ? null : ordinals.get(v.trialId()),
              carried.modelDescription(),
              v.description(),
              carried.aliases(),
              v.architecture(),
              v.config(),
              v.preprocessing(),
              v.artifactSha256(),
              v.testAccuracy(),
              v.testF1Macro(),
              v.metrics(),
              v.dataset(),
              v.datasetDigests(),
              v.status().name().toLowerCase(java.util.Locale.ROOT),
              v.createdAt().toString()));
      String folder = ExperimentExport.modelFolder(v.model(), v.version());
      if (carried.weights() != null) {
        entries.putFile(folder + "model.dlm", carried.weights());
      }
      if (carried.onnx() != null) {
        entries.putFile(folder + "model.onnx", carried.onnx());
      }
    }
    entries.put("models.json", json(models));
    carryCode(experiment, entries);
    carryDataset(experiment, entries);
  }

  /** A file an artifact event announced: its name, attempt and path in the attempt's folder. */
  private record Announced(String name, int attempt, String relative, boolean output) {}

  /**
   * Every file the trial's artifact events announced, once per attempt and path (a checkpoint is
   * announced after every epoch, into the same file): the built-in artifacts an export carries and
   * a command's output files, of every attempt.
   */
  private static List<Announced> announced(Trial trial, List<ExperimentExport.Event> trialEvents) {
    Map<String, Announced> found = new LinkedHashMap<>();
    for (ExperimentExport.Event event : trialEvents) {
      if (!EventType.ARTIFACT.wireName().equals(event.type())) {
        continue;
      }
      JsonNode ref = Json.mapper().readTree(event.payload());
      String name = ref.path("name").asString();
      Announced announced;
      if (RunArtifact.OUTPUT_KIND.equals(ref.path("kind").asString())) {
        // The name passed ArtifactRef's pattern when the event was stored: a file name, no path.
        announced =
            new Announced(name, event.attempt(), RunArtifact.OUTPUTS_FOLDER + "/" + name, true);
      } else {
        Optional<RunArtifact> known = RunArtifact.named(name).filter(CARRIED::contains);
        if (known.isEmpty()) {
          continue;
        }
        announced = new Announced(name, event.attempt(), known.get().fileName(), false);
      }
      found.putIfAbsent(announced.attempt() + "/" + announced.relative(), announced);
    }
    // Files of attempts the events do not reach (a version 1 import's artifacts have no event of
    // their own attempt folder name): the latest of each built-in artifact, as before.
    for (RunArtifact artifact : CARRIED) {
      boolean announced =
          found.values().stream()
              .anyMatch(a -> !a.output() && a.name().equals(artifact.artifactName()));
      if (!announced) {
        for (int attempt = trial.attempt(); attempt >= 1; attempt--) {
          found.putIfAbsent(
              attempt + "/" + artifact.fileName(),
              new Announced(artifact.artifactName(), attempt, artifact.fileName(), false));
        }
      }
    }
    return List.copyOf(found.values());
  }

  /** A command experiment's code ({@code code: sha256:HEX}), when this server has it. */
  private void carryCode(Experiment experiment, ExportEntries entries) {
    String sha = ExperimentExport.codeOf(experiment.spec());
    if (sha != null) {
      code.open(sha).ifPresent(file -> entries.putFile(ExperimentExport.codeEntry(sha), file));
    }
  }

  /**
   * The registered dataset the experiment trained on, when this server still has its files: a
   * server without it registers it on import instead of refusing the file.
   */
  private void carryDataset(Experiment experiment, ExportEntries entries) {
    String sha = ExperimentExport.datasetSha256Of(experiment.spec());
    if (sha == null) {
      return;
    }
    Optional<RegisteredDataset> dataset =
        datasets
            .find(experiment.dataset())
            .map(DatasetRegistry.Entry::dataset)
            .filter(d -> d.sha256().equals(sha))
            .or(() -> datasets.byDigest(sha));
    if (dataset.isEmpty()) {
      return;
    }
    Path folder;
    try {
      folder = datasets.directory(dataset.get());
    } catch (NotFoundException e) {
      return; // its files are gone: the importing server must have it already
    }
    entries.put(
        "dataset.json",
        json(new ExperimentExport.Dataset(experiment.dataset(), sha, dataset.get().classes())));
    for (String file : RegisteredDataset.FILE_NAMES) {
      entries.putFile(ExperimentExport.datasetFolder(sha) + file, folder.resolve(file));
    }
  }

  private static byte[] json(Object value) {
    return Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(value);
  }

  private List<ExperimentExport.Event> events(Trial trial) {
    List<ExperimentExport.Event> exportedEvents = new ArrayList<>();
    long after = 0;
    while (true) {
      List<TrialEvent> page = events.after(trial.id(), after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        exportedEvents.add(
            new ExperimentExport.Event(
                event.attempt(),
                event.seq(),
                event.type().wireName(),
                event.payload(),
                event.createdAt().toString()));
        after = event.id();
      }
      if (page.size() < EventStore.MAX_PAGE) {
        break;
      }
    }
    return exportedEvents;
  }

  private static ExperimentExport.Trial trial(
      Trial trial,
      List<ExperimentExport.Event> exportedEvents,
      List<ExperimentExport.Artifact> artifacts) {
    return new ExperimentExport.Trial(
        trial.id(),
        trial.ordinal(),
        trial.config(),
        trial.status().dbValue(),
        trial.attempt(),
        trial.requires(),
        trial.workerName(),
        trial.lastMetrics(),
        trial.bestMetric(),
        trial.testAccuracy(),
        trial.testF1Macro(),
        trial.trainSeconds(),
        trial.queuedAt().toString(),
        iso(trial.startedAt()),
        iso(trial.finishedAt()),
        trial.failureReason(),
        exportedEvents,
        artifacts);
  }

  private static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
