package dev.digitlab.server.trials;

import dev.digitlab.server.artifacts.TrialArtifactStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where a trial's files live: {@code <home>/trials/<trial>/attempt-<n>} holds an attempt's
 * checkpoint, model and reports. With a shared object store configured, those files are also there
 * ({@link TrialArtifactStore}), and deleting a trial's files deletes both copies.
 */
@Component
public class TrialDirectories {

  private final Path root;
  private final TrialArtifactStore artifacts;

  public TrialDirectories(@Value("${digitlab.home}") Path home, TrialArtifactStore artifacts) {
    this.root = home.resolve("trials");
    this.artifacts = artifacts;
  }

  /** The shared copies of trials' files (a no-op store when artifacts are only local). */
  public TrialArtifactStore artifacts() {
    return artifacts;
  }

  /** The folder of all the trial's attempts. */
  public Path of(long trialId) {
    return root.resolve(Long.toString(trialId));
  }

  /** Removes the trial's files, here and in the shared store; nothing happens when it has none. */
  public void delete(long trialId) {
    artifacts.deleteTrial(trialId);
    deleteLocal(trialId);
  }

  /**
   * Removes this server's copy of the trial's files only: with a shared store they come back from
   * there when needed (a cache to clear, or a replica that never ran the trial).
   */
  public void deleteLocal(long trialId) {
    Path dir = of(trialId);
    if (!Files.exists(dir)) {
      return;
    }
    try {
      Files.walkFileTree(
          dir,
          // Entries gone already (another delete of the same folder) have nothing left to delete.
          new SkipVanished() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes)
                throws IOException {
              Files.deleteIfExists(file);
              return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException e)
                throws IOException {
              super.postVisitDirectory(directory, e);
              Files.deleteIfExists(directory);
              return FileVisitResult.CONTINUE;
            }
          });
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete the files of trial " + trialId, e);
    }
  }
}
