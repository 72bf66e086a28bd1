package dev.digitlab.server.workers;

import dev.digitlab.ml.train.CheckpointFile;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.queue.ResumePoint;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.trials.TrialDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import java.util.stream.Stream;
import org.springframework.stereotype.Component;

/**
 * The checkpoints trials resume from, in {@code <home>/trials/<trial>/checkpoints/<attempt>-<seq>
 * .ckpt}: one file per delivered checkpoint, named by the event that describes it, so the file a
 * trial's row points at is never overwritten by a later epoch whose events may not have arrived.
 * Only the latest recorded one is kept.
 */
@Component
class Checkpoints {

  private final TrialDirectories directories;
  private final TrialQueue queue;

  Checkpoints(TrialDirectories directories, TrialQueue queue) {
    this.directories = directories;
    this.queue = queue;
  }

  /**
   * The file of a resume point; fetched from the shared artifact store when this server does not
   * have it (the checkpoint reached another replica).
   */
  Path file(long trialId, ResumePoint point) {
    Path file = folder(trialId).resolve(name(point));
    directories.artifacts().fetch(trialId, "checkpoints/" + name(point), file);
    return file;
  }

  private static String name(ResumePoint point) {
    return point.attempt() + "-" + point.seq() + ".ckpt";
  }

  /**
   * Keeps a copy of {@code source}, the checkpoint described by the lease's event {@code seq}, and
   * records it as the trial's resume point.
   *
   * @throws LeaseLostException if the lease no longer holds: nothing is kept
   */
  void keep(long trialId, UUID leaseToken, int attempt, long seq, Path source) {
    Path folder = folder(trialId);
    ResumePoint point = new ResumePoint(attempt, seq, 0);
    Path kept = folder(trialId).resolve(name(point));
    try {
      Files.createDirectories(folder);
      Path temp = Files.createTempFile(folder, "upload-", ".tmp");
      try {
        Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(temp, kept, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
      int epoch =
          isPackedFolder(kept)
              ? commandCheckpoints(trialId, leaseToken) + 1
              : CheckpointFile.readHeader(kept).epochsCompleted();
      // Shared before it becomes the resume point, so any server can resume from it.
      directories.artifacts().publish(trialId, "checkpoints/" + name(point), kept);
      try {
        queue.recordCheckpoint(trialId, leaseToken, seq, epoch);
      } catch (LeaseLostException e) {
        Files.deleteIfExists(kept);
        throw e;
      }
      removeAllBut(folder, kept);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot keep the checkpoint of trial " + trialId, e);
    }
  }

  /**
   * A command trial's checkpoint is its packed checkpoint folder (a {@code .tar.gz}), not a
   * trainer's checkpoint: it holds no epochs, so the trial counts them instead, and a resumed
   * attempt is told how many checkpoints came before it.
   */
  private static boolean isPackedFolder(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.read() == 0x1f && in.read() == 0x8b;
    }
  }

  /** How many checkpoints the trial's command delivered so far (0 before the first). */
  private int commandCheckpoints(long trialId, UUID leaseToken) {
    ResumePoint last = queue.holder(trialId, leaseToken).resumeFrom();
    return last == null ? 0 : last.epoch();
  }

  private Path folder(long trialId) {
    return directories.of(trialId).resolve("checkpoints");
  }

  private static void removeAllBut(Path folder, Path kept) throws IOException {
    try (Stream<Path> files = Files.list(folder)) {
      for (Path file : files.toList()) {
        if (!file.equals(kept) && file.getFileName().toString().endsWith(".ckpt")) {
          Files.deleteIfExists(file);
        }
      }
    }
  }
}
