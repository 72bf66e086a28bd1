package dev.digitlab.worker.command;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Gzipped tar archives of plain files and folders: a command's code (packed by the CLI, unpacked by
 * the worker) and its checkpoint folder (packed by the worker after each change, unpacked on a
 * resumed attempt).
 *
 * <p>Unpacking takes untrusted input, so it writes only inside the target folder: an absolute path,
 * a {@code ..} segment, a link (symbolic or hard), a device or a FIFO is refused with an {@link
 * IOException} naming the entry, and nothing is left of a refused archive's later entries.
 * Understands ustar, GNU long names ({@code L}) and pax path headers ({@code x}), which is what GNU
 * tar, Python's tarfile and Go's archive/tar write.
 */
public final class Tarball {

  private static final int BLOCK = 512;

  /** A generous bound against archives whose headers claim absurd sizes. */
  private static final long MAX_ENTRY_BYTES = 8L << 30;

  private Tarball() {}

  /** Packs the files and folders under {@code dir} (not following links) into {@code target}. */
  public static void pack(Path dir, Path target) throws IOException {
    List<Path> entries;
    try (Stream<Path> walk = Files.walk(dir)) {
      entries = walk.filter(p -> !p.equals(dir)).sorted().toList();
    }
    try (OutputStream out =
        new BufferedOutputStream(
            new GZIPOutputStream(Files.newOutputStream(target), 1 << 16), 1 << 16)) {
      for (Path path : entries) {
        String name = dir.relativize(path).toString().replace('\\', '/');
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          header(out, name + "/", '5', 0, 0755);
        } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          long size = Files.size(path);
          header(out, name, '0', size, Files.isExecutable(path) ? 0755 : 0644);
          try (InputStream in = Files.newInputStream(path)) {
            long copied = in.transferTo(out);
            if (copied != size) {
              throw new IOException(path + " changed size while it was packed");
            }
          }
          pad(out, size);
        }
        // Links and special files are left out: what unpacking would refuse is never packed.
      }
      out.write(new byte[BLOCK * 2]);
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
    try (InputStream in =
        new BufferedInputStream(new GZIPInputStream(Files.newInputStream(archive), 1 << 16))) {
      byte[] header = new byte[BLOCK];
      String longName = null;
      while (true) {
        if (!readBlock(in, header)) {
          return;
        }
        if (isZero(header)) {
          return;
        }
        checkChecksum(header);
        char type = (char) header[156];
        long size = octal(header, 124, 12);
        if (size < 0 || size > MAX_ENTRY_BYTES) {
          throw new IOException("archive entry claims " + size + " bytes");
        }
        String name = longName != null ? longName : name(header);
        longName = null;
        switch (type) {
          case 'L' -> longName = cString(readData(in, size));
          case 'x' -> longName = paxPath(readData(in, size));
          case 'g' -> skip(in, size);
          case '5' -> Files.createDirectories(inside(root, name));
          case '0', '\0', '7' -> {
            Path file = inside(root, name);
            if (file.equals(root)) {
              throw new IOException("archive entry '" + name + "' is a file named like a folder");
            }
            Files.createDirectories(file.getParent());
            if (Files.isSymbolicLink(file) || Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
              throw new IOException("archive entry '" + name + "' would replace a folder or link");
            }
            try (OutputStream out = Files.newOutputStream(file)) {
              copy(in, out, size);
            }
            skipPadding(in, size);
            long mode = octal(header, 100, 8);
            if ((mode & 0100) != 0) {
              Set<PosixFilePermission> permissions =
                  EnumSet.copyOf(Files.getPosixFilePermissions(file));
              permissions.add(PosixFilePermission.OWNER_EXECUTE);
              Files.setPosixFilePermissions(file, permissions);
            }
          }
          default ->
              throw new IOException(
                  "archive entry '"
                      + name
                      + "' is a "
                      + kind(type)
                      + "; only files and folders may be packed");
        }
      }
    }
  }

  /** {@code name} resolved inside {@code root}, or an IOException if it would leave it. */
  static Path inside(Path root, String name) throws IOException {
    String clean = name;
    while (clean.startsWith("./")) {
      clean = clean.substring(2);
    }
    if (clean.equals(".") || clean.isEmpty() && !name.isEmpty()) {
      return root; // "./": the folder itself
    }
    if (clean.isEmpty()
        || clean.startsWith("/")
        || clean.contains("\\")
        || clean.indexOf('\0') >= 0
        || clean.matches("^[A-Za-z]:.*")) {
      throw new IOException("archive entry '" + name + "' is not a relative path");
    }
    for (String segment : clean.split("/")) {
      if (segment.equals("..")) {
        throw new IOException("archive entry '" + name + "' climbs out with '..'");
      }
    }
    Path path = root.resolve(clean).normalize();
    if (!path.startsWith(root)) {
      throw new IOException("archive entry '" + name + "' is outside the folder");
    }
    // A folder made by an earlier entry cannot be a link (links are refused), but the target
    // folder's own contents could be: check every existing parent really is inside.
    Path parent = path.getParent();
    while (parent != null && !parent.equals(root) && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent != null && !parent.toRealPath().startsWith(root)) {
      throw new IOException("archive entry '" + name + "' would be written through a link");
    }
    return path;
  }

  /** Copies a file to {@code target} through a temporary sibling, so readers never see half. */
  static void copyAtomically(Path source, Path target) throws IOException {
    Path temp = target.resolveSibling(target.getFileName() + ".part");
    Files.copy(source, temp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static String kind(char type) {
    return switch (type) {
      case '1' -> "hard link";
      case '2' -> "symbolic link";
      case '3', '4' -> "device";
      case '6' -> "FIFO";
      default -> "entry of type '" + type + "'";
    };
  }

  private static void header(OutputStream out, String name, char type, long size, int mode)
      throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 100) {
      byte[] longName = new byte[bytes.length + 1];
      System.arraycopy(bytes, 0, longName, 0, bytes.length);
      writeHeader(
          out, "././@LongLink".getBytes(StandardCharsets.US_ASCII), 'L', longName.length, 0644);
      out.write(longName);
      pad(out, longName.length);
      byte[] cut = new byte[100];
      System.arraycopy(bytes, 0, cut, 0, 100);
      bytes = cut;
    }
    writeHeader(out, bytes, type, size, mode);
  }

  private static void writeHeader(OutputStream out, byte[] name, char type, long size, int mode)
      throws IOException {
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
    putOctal(h, 100, 8, mode);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, size);
    putOctal(h, 136, 12, System.currentTimeMillis() / 1000);
    h[156] = (byte) type;
    byte[] magic = "ustar\00000".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(magic, 0, h, 257, magic.length);
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    putOctal(h, 148, 7, sum);
    h[155] = ' ';
    out.write(h);
  }

  private static void putOctal(byte[] h, int offset, int length, long value) {
    String digits = Long.toOctalString(value);
    int width = length - 1;
    if (digits.length() > width) {
      throw new IllegalArgumentException("value " + value + " does not fit a tar header field");
    }
    String padded = "0".repeat(width - digits.length()) + digits;
    byte[] b = padded.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, offset, width);
    h[offset + width] = 0;
  }

  private static void pad(OutputStream out, long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }

  private static String name(byte[] h) {
    String name = cString(h, 0, 100);
    String magic = cString(h, 257, 6);
    if (magic.startsWith("ustar")) {
      String prefix = cString(h, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String paxPath(byte[] data) throws IOException {
    // Records: "<length> <key>=<value>\n"
    String path = null;
    int i = 0;
    while (i < data.length) {
      int space = i;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      if (space >= data.length) {
        break;
      }
      int length;
      try {
        length = Integer.parseInt(new String(data, i, space - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("damaged pax header");
      }
      if (length <= 0 || i + length > data.length) {
        throw new IOException("damaged pax header");
      }
      String record = new String(data, space + 1, length - (space - i) - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0) {
        String key = record.substring(0, eq);
        if (key.equals("path")) {
          path = record.substring(eq + 1);
        }
      }
      i += length;
    }
    return path;
  }

  private static String cString(byte[] data) {
    return cString(data, 0, data.length);
  }

  private static String cString(byte[] data, int offset, int length) {
    int end = offset;
    while (end < offset + length && data[end] != 0) {
      end++;
    }
    return new String(data, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] h, int offset, int length) throws IOException {
    if ((h[offset] & 0x80) != 0) {
      // GNU base-256 for huge values: far beyond what we accept
      return Long.MAX_VALUE;
    }
    long value = 0;
    int i = offset;
    int end = offset + length;
    while (i < end && h[i] == ' ') {
      i++;
    }
    for (; i < end && h[i] != 0 && h[i] != ' '; i++) {
      byte b = h[i];
      if (b < '0' || b > '7') {
        throw new IOException("damaged tar header (a number field holds '" + (char) b + "')");
      }
      value = value * 8 + (b - '0');
    }
    return value;
  }

  private static void checkChecksum(byte[] h) throws IOException {
    long stored = octal(h, 148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
    }
    if (sum != stored) {
      throw new IOException("damaged tar header (checksum)");
    }
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean readBlock(InputStream in, byte[] block) throws IOException {
    int read = in.readNBytes(block, 0, BLOCK);
    if (read == 0) {
      return false;
    }
    if (read < BLOCK) {
      throw new EOFException("the archive ends inside a header");
    }
    return true;
  }

  private static byte[] readData(InputStream in, long size) throws IOException {
    if (size > 1 << 20) {
      throw new IOException("archive metadata entry of " + size + " bytes");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("the archive ends inside an entry");
    }
    skipPadding(in, size);
    return data;
  }

  private static void copy(InputStream in, OutputStream out, long size) throws IOException {
    byte[] buffer = new byte[1 << 16];
    long left = size;
    while (left > 0) {
      int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
      if (n < 0) {
        throw new EOFException("the archive ends inside an entry");
      }
      out.write(buffer, 0, n);
      left -= n;
    }
  }

  private static void skip(InputStream in, long size) throws IOException {
    copy(in, OutputStream.nullOutputStream(), size);
    skipPadding(in, size);
  }

  private static void skipPadding(InputStream in, long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      in.skipNBytes(BLOCK - rest);
    }
  }

  /** The entries of an archive, for tests and messages: their names in order. */
  static List<String> names(Path archive) throws IOException {
    List<String> names = new ArrayList<>();
    try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
      byte[] header = new byte[BLOCK];
      String longName = null;
      while (readBlock(in, header) && !isZero(header)) {
        long size = octal(header, 124, 12);
        char type = (char) header[156];
        String name = longName != null ? longName : name(header);
        longName = null;
        if (type == 'L') {
          longName = cString(readData(in, size));
        } else if (type == 'x') {
          longName = paxPath(readData(in, size));
        } else {
          names.add(name);
          skip(in, size);
        }
      }
    }
    return names;
  }
}
