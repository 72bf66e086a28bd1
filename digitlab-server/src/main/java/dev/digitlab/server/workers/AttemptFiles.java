package dev.digitlab.server.workers;

import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.queue.ResumePoint;
import dev.digitlab.server.trials.TrialDirectories;
import java.nio.file.Path;
import java.util.UUID;
import org.springframework.stereotype.Component;

/**
 * The embedded worker's files of an attempt: its work directory, the shared store its artifacts are
 * published to, and the checkpoints kept as the trial's resume point.
 */
@Component
class AttemptFiles {

  private final TrialDirectories directories;
  private final Checkpoints checkpoints;

  AttemptFiles(TrialDirectories directories, Checkpoints checkpoints) {
    this.directories = directories;
    this.checkpoints = checkpoints;
  }

  /** {@code <home>/trials/<trial>/attempt-<n>}. */
  Path workDir(long trialId, int attempt) {
    return directories.of(trialId).resolve("attempt-" + attempt);
  }

  /** Where artifact files are published for other servers (a no-op without a shared store). */
  TrialArtifactStore artifacts() {
    return directories.artifacts();
  }

  /**
   * Keeps {@code source}, the checkpoint of the lease's event {@code seq}, as the resume point.
   *
   * @throws LeaseLostException if the lease no longer holds: nothing is kept
   */
  void keepCheckpoint(long trialId, UUID leaseToken, int attempt, long seq, Path source) {
    checkpoints.keep(trialId, leaseToken, attempt, seq, source);
  }

  /** The file of a resume point. */
  Path checkpoint(long trialId, ResumePoint point) {
    return checkpoints.file(trialId, point);
  }
}
