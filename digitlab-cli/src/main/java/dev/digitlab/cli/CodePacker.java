package dev.digitlab.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
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
 * without a time. The same files give the same bytes, so the same SHA-256, and the server stores
 * them once. Version-control and cache folders are left out; links are refused (a link could point
 * anywhere on the machine that unpacks it).
 */
final class CodePacker {

  /** Folders never packed. */
  static final Set<String> SKIPPED =
      Set.of(".git", ".hg", ".svn", "__pycache__", ".venv", ".mypy_cache");

  private static final int BLOCK = 512;

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
    try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
      for (Path path : entries) {
        String name = folder.relativize(path).toString().replace('\\', '/');
        boolean directory = Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS);
        byte[] content = directory ? new byte[0] : Files.readAllBytes(path);
        int mode = directory || Files.isExecutable(path) ? 0755 : 0644;
        header(gzip, directory ? name + "/" : name, content.length, mode, directory ? '5' : '0');
        gzip.write(content);
        gzip.write(new byte[(BLOCK - content.length % BLOCK) % BLOCK]);
      }
      gzip.write(new byte[2 * BLOCK]);
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

  /** A ustar header; a name over 100 bytes is split into ustar's prefix and name. */
  private static void header(OutputStream out, String name, long size, int mode, char type)
      throws IOException {
    byte[] header = new byte[BLOCK];
    byte[] full = name.getBytes(StandardCharsets.UTF_8);
    String prefix = "";
    String last = name;
    if (full.length > 100) {
      int split = name.lastIndexOf('/', name.length() - 2);
      while (split > 0
          && (name.substring(split + 1).getBytes(StandardCharsets.UTF_8).length > 100
              || name.substring(0, split).getBytes(StandardCharsets.UTF_8).length > 155)) {
        split = name.lastIndexOf('/', split - 1);
      }
      if (split <= 0) {
        throw new IllegalArgumentException("code: the path " + name + " is too long to pack");
      }
      prefix = name.substring(0, split);
      last = name.substring(split + 1);
    }
    put(header, 0, last.getBytes(StandardCharsets.UTF_8));
    put(header, 100, octal(mode, 8));
    put(header, 108, octal(0, 8));
    put(header, 116, octal(0, 8));
    put(header, 124, octal(size, 12));
    put(header, 136, octal(0, 12));
    for (int i = 148; i < 156; i++) {
      header[i] = ' ';
    }
    header[156] = (byte) type;
    put(header, 257, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(header, 263, "00".getBytes(StandardCharsets.US_ASCII));
    put(header, 345, prefix.getBytes(StandardCharsets.UTF_8));
    long sum = 0;
    for (byte b : header) {
      sum += b & 0xff;
    }
    put(header, 148, octal(sum, 7));
    header[155] = ' ';
    out.write(header);
  }

  private static byte[] octal(long value, int width) {
    String digits = Long.toOctalString(value);
    String padded = "0".repeat(Math.max(0, width - 1 - digits.length())) + digits;
    byte[] field = new byte[width];
    byte[] text = padded.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, field, 0, Math.min(text.length, width - 1));
    return field;
  }

  private static void put(byte[] header, int offset, byte[] value) {
    System.arraycopy(value, 0, header, offset, value.length);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
