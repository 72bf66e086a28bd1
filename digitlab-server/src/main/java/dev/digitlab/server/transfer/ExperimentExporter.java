package dev.digitlab.server.transfer;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.NotFoundException;
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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
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
  private final Clock clock;

  ExperimentExporter(
      ExperimentStore experiments,
      TrialStore trials,
      EventStore events,
      TrialFiles files,
      JdbcClient jdbc,
      ModelRegistry registry,
      MlflowRecords mlflow,
      Clock clock) {
    this.experiments = experiments;
    this.trials = trials;
    this.events = events;
    this.files = files;
    this.jdbc = jdbc;
    this.registry = registry;
    this.mlflow = mlflow;
    this.clock = clock;
  }

  /** The experiment's export, compressed. */
  byte[] export(long id) {
    Experiment experiment =
        experiments.find(id).orElseThrow(() -> new NotFoundException("experiment", id));
    String notes =
        jdbc.sql("SELECT notes FROM experiment WHERE id = :id")
            .param("id", id)
            .query(String.class)
            .optional()
            .orElse(null);
    Map<String, byte[]> entries = new LinkedHashMap<>();
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
            experiment.createdAt().toString());
    entries.put("experiment.json", json(exported));
    Map<Long, Integer> ordinals = new HashMap<>();
    for (Trial trial : trials.listByExperiment(id)) {
      ordinals.put(trial.id(), trial.ordinal());
      String folder = ExperimentExport.trialFolder(trial.ordinal());
      List<ExperimentExport.Artifact> artifacts = new ArrayList<>();
      Map<String, byte[]> artifactFiles = new LinkedHashMap<>();
      for (RunArtifact artifact : CARRIED) {
        Optional<Path> file = files.latest(trial, artifact);
        if (file.isPresent()) {
          int attempt = attemptOf(file.get());
          byte[] bytes = read(file.get());
          artifacts.add(
              new ExperimentExport.Artifact(
                  artifact.artifactName(), attempt, Digests.sha256(bytes), null));
          artifactFiles.put(folder + "attempt-" + attempt + "/" + artifact.fileName(), bytes);
        }
      }
      entries.put(folder + "trial.json", json(trial(trial, null, artifacts)));
      entries.put(folder + "events.json", json(events(trial)));
      Optional<MlflowRecords.Logged> logged = mlflow.of(trial.id());
      if (logged.isPresent()) {
        entries.put(folder + "mlflow.json", json(logged.get().record()));
        logged
            .get()
            .files()
            .forEach((path, bytes) -> entries.put(folder + "mlflow-artifacts/" + path, bytes));
      }
      entries.putAll(artifactFiles);
    }
    List<ExperimentExport.Model> models = new ArrayList<>();
    for (ModelRegistry.Carried carried : registry.versionsOfExperiment(id)) {
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
        entries.put(folder + "model.dlm", carried.weights());
      }
      if (carried.onnx() != null) {
        entries.put(folder + "model.onnx", carried.onnx());
      }
    }
    entries.put("models.json", json(models));
    return TransferArchive.write(
        ExperimentExport.FORMAT,
        ExperimentExport.ARCHIVE_VERSION,
        clock.instant().toString(),
        entries);
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

  private static int attemptOf(Path file) {
    // TrialFiles.latest answers <trial>/attempt-<n>/<file>: the folder names the attempt.
    return Integer.parseInt(
        file.getParent().getFileName().toString().substring("attempt-".length()));
  }

  private static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
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
