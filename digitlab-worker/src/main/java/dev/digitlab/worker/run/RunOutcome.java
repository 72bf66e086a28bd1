package dev.digitlab.worker.run;

import dev.digitlab.ml.train.TrainingResult;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How an attempt ended; its events already said the same.
 *
 * @param result the trainer's result when {@code status} is SUCCEEDED, else null
 * @param failure the reason when FAILED (the exception's message), else null
 * @param lastSeq the sequence number of the attempt's last event; a later attempt starts at {@code
 *     lastSeq + 1}
 * @param artifacts files written, by artifact name ({@code checkpoint}, {@code model}, …); a
 *     cancelled or failed attempt keeps the checkpoint of its last completed epoch here
 */
public record RunOutcome(
    RunStatus status,
    TrainingResult result,
    String failure,
    long lastSeq,
    Map<String, Path> artifacts) {

  public RunOutcome {
    Objects.requireNonNull(status, "status");
    artifacts = Collections.unmodifiableMap(new LinkedHashMap<>(artifacts));
  }

  /** The checkpoint to resume from, or null when no epoch completed. */
  public Path checkpoint() {
    return artifacts.get(RunArtifact.CHECKPOINT.artifactName());
  }
}
