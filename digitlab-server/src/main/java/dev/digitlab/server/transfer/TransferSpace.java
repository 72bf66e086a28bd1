package dev.digitlab.server.transfer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where exports and imports keep their temporary files, {@code <home>/tmp/transfer/}: an export's
 * generated entries ({@link ExportEntries}) and an import's body while it arrives ({@link
 * ImportSlots}). Each is deleted when its request ends; only a killed server leaves any, and the
 * next start deletes them.
 *
 * <p>Servers may share one home (one volume for several replicas, docs/operations.md), so another
 * server's files there may be in use. Each running server holds a shared lock on {@code
 * <home>/tmp/transfer.lock} (the kernel drops it when the process dies, even by SIGKILL); a
 * starting server deletes the folder's content only if it can lock that file exclusively, that is
 * when no other server runs on the home.
 */
@Component
class TransferSpace implements DisposableBean {

  private static final Logger log = LoggerFactory.getLogger(TransferSpace.class);

  private final Path root;
  private final FileChannel lockFile;
  private final FileLock running;

  TransferSpace(@Value("${digitlab.home}") Path home) {
    this.root = home.resolve("tmp").resolve("transfer");
    FileChannel channel = null;
    FileLock shared = null;
    try {
      Files.createDirectories(root);
      channel =
          FileChannel.open(
              root.resolveSibling("transfer.lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock alone = tryLock(channel, false);
      if (alone != null) {
        deleteLeftovers();
        alone.release();
      } else {
        keepLeftovers(home);
      }
      shared = tryLock(channel, true);
    } catch (IOException | UncheckedIOException e) {
      // Scratch space only: a server that cannot tidy it (or lock on this file system) still runs.
      log.warn("Cannot clear what earlier runs left in {}: {}", root, e.getMessage());
    }
    this.lockFile = channel;
    this.running = shared;
  }

  /** A new empty file, its name starting with {@code prefix}. */
  Path newFile(String prefix) throws IOException {
    Files.createDirectories(root);
    return Files.createTempFile(root, prefix, ".part");
  }

  @Override
  public void destroy() throws IOException {
    if (running != null) {
      running.release();
    }
    if (lockFile != null) {
      lockFile.close();
    }
  }

  /** The lock, or null when another holder has it (another process, or a context of this JVM). */
  private static FileLock tryLock(FileChannel channel, boolean shared) throws IOException {
    try {
      return channel.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      return null;
    }
  }

  private void deleteLeftovers() throws IOException {
    int files = 0;
    for (Path path : contents()) {
      boolean file = !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
      Files.deleteIfExists(path);
      files += file ? 1 : 0;
    }
    if (files > 0) {
      log.info("Deleted {} file(s) that a stopped server left in {}", files, root);
    }
  }

  private void keepLeftovers(Path home) throws IOException {
    long files =
        contents().stream()
            .filter(path -> !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS))
            .count();
    if (files > 0) {
      log.info(
          "Another server uses {}: the {} file(s) in {} may be its imports and exports under way,"
              + " so they are kept",
          home,
          files,
          root);
    }
  }

  /** Everything under the folder, deepest first, so that folders come after what they hold. */
  private List<Path> contents() throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(path -> !path.equals(root)).sorted(Comparator.reverseOrder()).toList();
    }
  }
}
