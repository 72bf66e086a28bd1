package dev.digitlab.server.transfer;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.events.TrialEvent;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialFiles;
import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.worker.run.RunArtifact;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Writes an experiment as one gzip-compressed JSON document ({@link ExperimentExport}). */
@Component
class ExperimentExporter {

  /**
   * The artifacts an export carries: small, and what the trial page shows. The checkpoint is left
   * out: it is as big as the model again and only resuming an attempt needs it.
   */
  static final List<RunArtifact> CARRIED =
      List.of(
          RunArtifact.MODEL,
          RunArtifact.CONFUSION_MATRIX,
          RunArtifact.PER_CLASS,
          RunArtifact.MISCLASSIFIED);

  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final EventStore events;
  private final TrialFiles files;
  private final JdbcClient jdbc;
  private final Clock clock;

  ExperimentExporter(
      ExperimentStore experiments,
      TrialStore trials,
      EventStore events,
      TrialFiles files,
      JdbcClient jdbc,
      Clock clock) {
    this.experiments = experiments;
    this.trials = trials;
    this.events = events;
    this.files = files;
    this.jdbc = jdbc;
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
    List<ExperimentExport.Trial> exported = new ArrayList<>();
    for (Trial trial : trials.listByExperiment(id)) {
      exported.add(trial(trial));
    }
    ExperimentExport document =
        new ExperimentExport(
            ExperimentExport.FORMAT,
            ExperimentExport.VERSION,
            clock.instant().toString(),
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
                experiment.createdAt().toString()),
            exported);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      gzip.write(Json.mapper().writeValueAsBytes(document));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private ExperimentExport.Trial trial(Trial trial) {
    List<ExperimentExport.Event> exportedEvents = new ArrayList<>();
    long after = 0;
    while (true) {
      List<TrialEvent> page = events.after(trial.id(), after, EventStore.MAX_PAGE);
      for (TrialEvent event : page) {
        exportedEvents.add(
            new ExperimentExport.Event(
                event.attempt(), event.seq(), event.type().wireName(), event.payload()));
        after = event.id();
      }
      if (page.size() < EventStore.MAX_PAGE) {
        break;
      }
    }
    List<ExperimentExport.Artifact> artifacts = new ArrayList<>();
    for (RunArtifact artifact : CARRIED) {
      Optional<Path> file = files.latest(trial, artifact);
      if (file.isPresent()) {
        artifacts.add(artifact(artifact, file.get()));
      }
    }
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

  private static ExperimentExport.Artifact artifact(RunArtifact artifact, Path file) {
    // TrialFiles.latest answers <trial>/attempt-<n>/<file>: the folder names the attempt.
    int attempt =
        Integer.parseInt(file.getParent().getFileName().toString().substring("attempt-".length()));
    try {
      byte[] bytes = Files.readAllBytes(file);
      return new ExperimentExport.Artifact(
          artifact.artifactName(),
          attempt,
          Digests.sha256(bytes),
          Base64.getEncoder().encodeToString(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String iso(Instant instant) {
    return instant == null ? null : instant.toString();
  }
}
