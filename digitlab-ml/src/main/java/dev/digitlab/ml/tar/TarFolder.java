package dev.digitlab.ml.tar;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * A folder of plain files as a gzip-compressed tar, both ways: a command's code (packed by the CLI,
 * unpacked by a worker) and a command's checkpoint folder.
 *
 * <p>Unpacking takes untrusted input, so it writes only inside the target folder: an absolute path,
 * a {@code ..} segment, a link (symbolic or hard), a device or a FIFO is refused with a {@link
 * TarException} naming the entry.
 */
public final class TarFolder {

  private TarFolder() {}

  /** Packs the files and folders under {@code dir} (in name order, not following links). */
  public static void pack(Path dir, Path target) throws IOException {
    List<Path> entries;
    try (Stream<Path> walk = Files.walk(dir)) {
      entries = walk.filter(p -> !p.equals(dir)).sorted().toList();
    }
    try (TarWriter tar =
        new TarWriter(
            new BufferedOutputStream(
                new GZIPOutputStream(Files.newOutputStream(target), 1 << 16), 1 << 16))) {
      for (Path path : entries) {
        String name = dir.relativize(path).toString().replace('\\', '/');
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          tar.directory(name);
        } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          try (InputStream in = Files.newInputStream(path)) {
            tar.file(name, Files.size(path), in, Files.isExecutable(path));
          }
        }
        // Links and special files are left out: what unpacking would refuse is never packed.
      }
    }
  }

  /**
   * Unpacks {@code archive} into {@code dir} (created if missing).
   *
   * @throws IOException if the archive is damaged or holds an entry that could write outside {@code
   *     dir}, or anything but files and folders
   */
  public static void unpack(Path archive, Path dir) throws IOException {
    Files.createDirectories(dir);
    Path root = dir.toRealPath();
    try (TarReader tar = TarReader.gzipped(Files.newInputStream(archive), TarLimits.GENEROUS)) {
      for (TarEntry entry; (entry = tar.next()) != null; ) {
        switch (entry.kind()) {
          case DIRECTORY -> Files.createDirectories(TarPaths.inside(root, entry.name()));
          case FILE -> {
            Path file = TarPaths.inside(root, entry.name());
            if (file.equals(root)) {
              throw new TarException(
                  "archive entry '" + entry.name() + "' is a file named like a folder");
            }
            Files.createDirectories(file.getParent());
            if (Files.isSymbolicLink(file) || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
              throw new TarException(
                  "archive entry '" + entry.name() + "' would replace a folder or link");
            }
            try (OutputStream out = Files.newOutputStream(file)) {
              tar.content().transferTo(out);
            }
            if (entry.executable()) {
              Set<PosixFilePermission> permissions =
                  EnumSet.copyOf(Files.getPosixFilePermissions(file));
              permissions.add(PosixFilePermission.OWNER_EXECUTE);
              Files.setPosixFilePermissions(file, permissions);
            }
          }
          case OTHER ->
              throw new TarException(
                  "archive entry '"
                      + entry.name()
                      + "' is a "
                      + tar.describeCurrent()
                      + "; only files and folders may be packed");
        }
      }
    }
  }

  /** The entries of a gzip-compressed archive, in order: for tests and messages. */
  public static List<String> names(Path archive) throws IOException {
    List<String> names = new ArrayList<>();
    try (TarReader tar =
        new TarReader(new GZIPInputStream(Files.newInputStream(archive)), TarLimits.GENEROUS)) {
      for (TarEntry entry; (entry = tar.next()) != null; ) {
        names.add(entry.kind() == TarEntry.Kind.DIRECTORY ? entry.name() + "/" : entry.name());
      }
    }
    return names;
  }
}
