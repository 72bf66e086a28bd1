package dev.digitlab.server.pipelines;

import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Path;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The model file a trial's worker left, for the steps that read it (benchmark, ONNX export). */
@Component
class TrialModels {

  private final TrialDirectories directories;

  TrialModels(TrialDirectories directories) {
    this.directories = directories;
  }

  /** The model of the trial's latest attempt that wrote one, here or in the shared store. */
  Optional<Path> modelFile(Trial trial) {
    Path trialDir = directories.of(trial.id());
    for (int attempt = trial.attempt(); attempt >= 1; attempt--) {
      Path file = RunArtifact.MODEL.in(trialDir.resolve("attempt-" + attempt));
      if (directories.artifacts().fetch(trial.id(), attempt, RunArtifact.MODEL.fileName(), file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }
}
