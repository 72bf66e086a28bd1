package dev.digitlab.worker.remote;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.protocol.worker.DatasetTask;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The registered datasets a worker trained on, kept by digest in {@code <folder>/<sha256>/} (on a
 * worker, {@code <data home>/datasets/<sha256>/}, beside the built-in ones' folders). A dataset is
 * fetched once, file by file; each file's SHA-256 and the dataset's digest over them are checked
 * before the folder is moved into place, so a folder under a digest only ever holds its own files.
 */
public final class DatasetCache {

  /** Downloads one file of a dataset to {@code target}. */
  @FunctionalInterface
  public interface FileFetcher {
    void fetch(String sha256, String file, Path target) throws IOException, InterruptedException;
  }

  private final Path folder;

  public DatasetCache(Path folder) {
    this.folder = folder;
  }

  /** Where a dataset with this digest is kept; it may not exist yet. */
  public Path directory(String sha256) {
    return folder.resolve(sha256);
  }

  /**
   * The folder of {@code task}'s four files, fetched with {@code fetcher} if this worker does not
   * have them yet.
   *
   * @throws IOException if they cannot be fetched, or what was fetched has other digests
   */
  public Path get(DatasetTask task, FileFetcher fetcher) throws IOException, InterruptedException {
    String sha = task.sha256();
    List<String> files = task.fileSha256();
    if (!RegisteredDataset.isSha256(sha)
        || files.size() != 4
        || !RegisteredDataset.digest(files).equals(sha)) {
      throw new IOException(
          "the lease's dataset " + task.name() + " has digest " + sha + " but files " + files);
    }
    Path kept = directory(sha);
    if (Files.isDirectory(kept)) {
      return kept;
    }
    Files.createDirectories(folder);
    Path partial = Files.createTempDirectory(folder, sha + "-");
    try {
      for (int i = 0; i < 4; i++) {
        String name = RegisteredDataset.FILE_NAMES.get(i);
        Path target = partial.resolve(name);
        fetcher.fetch(sha, name, target);
        String actual = RegisteredDataset.sha256(target);
        if (!actual.equals(files.get(i))) {
          throw new IOException(
              "the file "
                  + name
                  + " fetched for dataset "
                  + task.name()
                  + " ("
                  + sha
                  + ") has SHA-256 "
                  + actual
                  + ", not "
                  + files.get(i)
                  + "; refusing to train on it");
        }
      }
      try {
        Files.move(partial, kept, StandardCopyOption.ATOMIC_MOVE);
      } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
        // Another slot kept a verified copy meanwhile: either is right.
      } catch (IOException e) {
        if (!Files.isDirectory(kept)) {
          throw e;
        }
      }
      return kept;
    } finally {
      deleteTree(partial);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
