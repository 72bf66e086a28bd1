package dev.digitlab.cli;

import dev.digitlab.ml.tar.TarWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Packs a command experiment's {@code code:} folder as a deterministic {@code .tar.gz}: entries in
 * name order, every time 0, owner 0, mode 644 (755 for what is executable), no user names, gzip
 * without a time ({@link TarWriter}). The same files give the same bytes, so the same SHA-256, and
 * the server stores them once. Version-control and cache folders are left out; links are refused (a
 * link could point anywhere on the machine that unpacks it).
 */
final class CodePacker {

  /** Folders never packed. */
  static final Set<String> SKIPPED =
      Set.of(".git", ".hg", ".svn", "__pycache__", ".venv", ".mypy_cache");

  private CodePacker() {}

  /** The packed folder and its SHA-256 (hex). */
  record Packed(byte[] bytes, String sha256) {}

  /**
   * Packs {@code folder}.
   *
   * @throws IllegalArgumentException if it is not a folder, holds a link, or a name too long for
   *     tar
   */
  static Packed pack(Path folder) {
    if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
      throw new IllegalArgumentException(
          "code: " + folder + " is not a folder; name the folder that holds your program");
    }
    List<Path> entries = new ArrayList<>();
    collect(folder, folder, entries);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarWriter tar = new TarWriter(new GZIPOutputStream(bytes))) {
      for (Path path : entries) {
        String name = folder.relativize(path).toString().replace('\\', '/');
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          tar.directory(name);
        } else {
          tar.file(name, Files.readAllBytes(path), Files.isExecutable(path));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot pack " + folder + ": " + e.getMessage(), e);
    }
    byte[] packed = bytes.toByteArray();
    return new Packed(packed, sha256(packed));
  }

  private static void collect(Path root, Path dir, List<Path> out) {
    List<Path> children;
    try (Stream<Path> listing = Files.list(dir)) {
      children =
          listing
              .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()))
              .toList();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir + ": " + e.getMessage(), e);
    }
    for (Path child : children) {
      if (Files.isSymbolicLink(child)) {
        throw new IllegalArgumentException(
            "code: " + root.relativize(child) + " is a link; pack regular files only");
      }
      if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
        if (SKIPPED.contains(child.getFileName().toString())) {
          continue;
        }
        out.add(child);
        collect(root, child, out);
      } else if (Files.isRegularFile(child, LinkOption.NOFOLLOW_LINKS)) {
        out.add(child);
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
