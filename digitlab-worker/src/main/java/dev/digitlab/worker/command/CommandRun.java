package dev.digitlab.worker.command;

import dev.digitlab.protocol.worker.CommandTask;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One attempt of a command trial, as a worker runs it.
 *
 * @param workDir the attempt's folder (created if missing): {@code code/} (the unpacked code, the
 *     program's working directory and {@code HOME}), {@code outputs/} ({@code
 *     $DIGITLAB_OUTPUT_DIR}), {@code checkpoint/} ({@code $DIGITLAB_CHECKPOINT_DIR}) and {@code
 *     checkpoint.ckpt}, the packed checkpoint the sinks upload
 * @param resumeCheckpoint a packed checkpoint folder of an earlier attempt to restore before the
 *     program starts; null to start from scratch
 * @param resumeCount how many checkpoints the trial delivered before this attempt (0 with none)
 * @param firstSeq the sequence number of this attempt's first event
 */
public record CommandRun(
    long trialId,
    int attempt,
    CommandTask task,
    Path workDir,
    Path resumeCheckpoint,
    int resumeCount,
    long firstSeq) {

  public CommandRun {
    Objects.requireNonNull(task, "task");
    Objects.requireNonNull(workDir, "workDir");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1, got " + attempt);
    }
    if (firstSeq < 1) {
      throw new IllegalArgumentException("firstSeq must be at least 1, got " + firstSeq);
    }
  }

  /** The program's working directory and {@code HOME}: the unpacked code. */
  public Path codeDir() {
    return workDir.resolve("code");
  }

  /** {@code $DIGITLAB_OUTPUT_DIR}. */
  public Path outputDir() {
    return workDir.resolve(dev.digitlab.worker.run.RunArtifact.OUTPUTS_FOLDER);
  }

  /** {@code $DIGITLAB_CHECKPOINT_DIR}. */
  public Path checkpointDir() {
    return workDir.resolve("checkpoint");
  }
}
