package dev.digitlab.worker.command;

import dev.digitlab.ml.tar.TarFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * A command's {@code $DIGITLAB_CHECKPOINT_DIR}, watched for changes: {@link #packIfChanged} packs
 * it when its files (names, sizes, modification times) differ from what was last packed, and only
 * when they held still while it was packed, so a half-written checkpoint is never delivered.
 */
final class CheckpointFolder {

  private final Path folder;
  private final Path packed;
  private String lastSignature;

  /**
   * @param folder the folder the program writes
   * @param packed where the packed folder goes (the attempt's {@code checkpoint.ckpt})
   */
  CheckpointFolder(Path folder, Path packed) throws IOException {
    this.folder = folder;
    this.packed = packed;
    Files.createDirectories(folder);
    this.lastSignature = signature();
  }

  /** Restores an earlier attempt's packed checkpoint; it counts as already delivered. */
  void restore(Path archive) throws IOException {
    TarFolder.unpack(archive, folder);
    lastSignature = signature();
  }

  /** Packs the folder if it changed and held still meanwhile; true when {@code packed} is new. */
  boolean packIfChanged() throws IOException {
    return pack(false);
  }

  /**
   * Packs the folder whatever its signature says (the program said it changed: a rewrite of the
   * same size within the file system's time resolution leaves the signature as it was).
   */
  boolean packNow() throws IOException {
    return pack(true);
  }

  private boolean pack(boolean force) throws IOException {
    String before = signature();
    if (before.isEmpty() || !force && Objects.equals(before, lastSignature)) {
      return false;
    }
    Path partial = packed.resolveSibling(packed.getFileName() + ".part");
    try {
      TarFolder.pack(folder, partial);
    } catch (IOException | UncheckedIOException e) {
      // A file vanished or changed size under us: the program is writing; try at the next poll.
      Files.deleteIfExists(partial);
      return false;
    }
    if (!before.equals(signature())) {
      Files.deleteIfExists(partial);
      return false;
    }
    Files.move(
        partial, packed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    lastSignature = before;
    return true;
  }

  Path packed() {
    return packed;
  }

  /** Every file's relative name, size and modification time; empty for an empty folder. */
  private String signature() throws IOException {
    StringBuilder signature = new StringBuilder();
    try (Stream<Path> walk = Files.walk(folder)) {
      for (Path path : walk.sorted().toList()) {
        if (path.equals(folder)) {
          continue;
        }
        BasicFileAttributes attributes;
        try {
          attributes =
              Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
          return "changing:" + System.nanoTime();
        }
        signature
            .append(folder.relativize(path))
            .append('\0')
            .append(attributes.isDirectory() ? "d" : attributes.size())
            .append('\0')
            .append(attributes.isDirectory() ? "" : attributes.lastModifiedTime().toInstant())
            .append('\n');
      }
    } catch (UncheckedIOException e) {
      return "changing:" + System.nanoTime();
    }
    return signature.toString();
  }
}
