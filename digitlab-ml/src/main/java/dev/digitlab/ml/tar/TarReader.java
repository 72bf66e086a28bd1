package dev.digitlab.ml.tar;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;

/**
 * Reads a tar stream entry by entry: ustar, GNU long names ({@code L}) and pax path headers ({@code
 * x}), which is what GNU tar, Python's tarfile, Go's archive/tar, npm and dpkg write.
 *
 * <p>It reads untrusted input, so every entry's name is checked by {@link TarPaths#relative}
 * (absolute names and {@code ..} are refused with a {@link TarException} naming the entry), every
 * header's checksum is checked, and the {@link TarLimits} bound each entry, their total and their
 * count. Links, devices and FIFOs come out as {@link TarEntry.Kind#OTHER}, never followed: callers
 * that write to disk refuse them ({@link TarFolder#unpack}), callers that look for named files skip
 * them ({@link #forEachFile}).
 */
public final class TarReader implements AutoCloseable {

  /** Receives each regular file; {@code content} ends at the entry's end and need not be read. */
  public interface FileConsumer {
    void accept(TarEntry entry, InputStream content) throws IOException;
  }

  static final int BLOCK = 512;

  /** The most bytes a pax or GNU long-name header may hold. */
  private static final int MAX_META = 1 << 20;

  private final InputStream in;
  private final TarLimits limits;
  private final byte[] header = new byte[BLOCK];
  private EntryContent current;
  private long total;
  private int entries;
  private boolean ended;

  /** Reads the (uncompressed) tar stream {@code tar}. */
  public TarReader(InputStream tar, TarLimits limits) {
    this.in = tar;
    this.limits = limits;
  }

  /** Reads a gzip-compressed tar stream. */
  public static TarReader gzipped(InputStream gzip, TarLimits limits) throws IOException {
    return new TarReader(
        new BufferedInputStream(new GZIPInputStream(gzip, 1 << 16), 1 << 16), limits);
  }

  /**
   * Calls {@code consumer} for each regular file of {@code tar} (uncompressed), skipping folders,
   * links and special entries.
   */
  public static void forEachFile(InputStream tar, TarLimits limits, FileConsumer consumer)
      throws IOException {
    TarReader reader = new TarReader(tar, limits);
    for (TarEntry entry; (entry = reader.next()) != null; ) {
      if (entry.kind() == TarEntry.Kind.FILE) {
        consumer.accept(entry, reader.content());
      }
    }
  }

  /**
   * The next entry, or null at the end of the archive (two zero blocks, or a stream that ends
   * between entries). Whatever the previous entry's content left unread is skipped.
   *
   * @throws TarException if the archive is damaged, over a limit or names a path outside its root
   * @throws EOFException if it ends inside a header or an entry
   */
  public TarEntry next() throws IOException {
    if (ended) {
      return null;
    }
    if (current != null) {
      current.skipRest();
      skipPadding(current.size);
      current = null;
    }
    String longName = null;
    while (true) {
      int read = in.readNBytes(header, 0, BLOCK);
      if (read == 0 || read == BLOCK && isZero(header)) {
        ended = true;
        return null;
      }
      if (read < BLOCK) {
        throw new EOFException("the archive ends inside an entry's header");
      }
      checkChecksum();
      char type = (char) header[156];
      long size = octal(124, 12);
      if (++entries > limits.maxEntries()) {
        throw new TarException("the archive has more than " + limits.maxEntries() + " entries");
      }
      String name = longName != null ? longName : name();
      switch (type) {
        case 'L' -> {
          longName = cString(meta(size));
          continue;
        }
        case 'x' -> {
          String path = paxPath(meta(size));
          longName = path != null ? path : longName;
          continue;
        }
        case 'g' -> {
          meta(size);
          continue;
        }
        default -> {}
      }
      TarEntry.Kind kind =
          switch (type) {
            case '0', '\0', '7' -> TarEntry.Kind.FILE;
            case '5' -> TarEntry.Kind.DIRECTORY;
            default -> TarEntry.Kind.OTHER;
          };
      String clean = TarPaths.relative(name);
      if (kind == TarEntry.Kind.FILE) {
        if (size > limits.maxEntryBytes()) {
          throw new TarException(
              "archive entry '"
                  + name
                  + "' holds "
                  + size
                  + " bytes, more than the "
                  + limits.maxEntryBytes()
                  + " allowed");
        }
        total += size;
        if (total > limits.maxTotalBytes()) {
          throw new TarException(
              "the archive holds more than " + limits.maxTotalBytes() + " bytes in all");
        }
      } else if (kind == TarEntry.Kind.OTHER && size > limits.maxEntryBytes()) {
        throw new TarException("archive entry '" + name + "' claims " + size + " bytes");
      }
      long contentSize = kind == TarEntry.Kind.DIRECTORY ? 0 : size;
      if (kind == TarEntry.Kind.DIRECTORY && size > 0) {
        // A folder has no content; anything there would be read as the next header.
        throw new TarException("archive entry '" + name + "' is a folder with content");
      }
      current = new EntryContent(in, contentSize);
      return new TarEntry(clean, kind, contentSize, (int) octal(100, 8));
    }
  }

  /** The current entry's content; it ends at the entry's end. */
  public InputStream content() {
    if (current == null) {
      throw new IllegalStateException("no current entry: call next() first");
    }
    return current;
  }

  /** Says what the current entry is, for the message refusing an {@link TarEntry.Kind#OTHER}. */
  public String describeCurrent() {
    return switch ((char) header[156]) {
      case '1' -> "hard link";
      case '2' -> "symbolic link";
      case '3', '4' -> "device";
      case '6' -> "FIFO";
      default -> "entry of type '" + (char) header[156] + "'";
    };
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  private byte[] meta(long size) throws IOException {
    if (size > MAX_META) {
      throw new TarException("archive metadata entry of " + size + " bytes");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length < size) {
      throw new EOFException("the archive ends inside an entry");
    }
    skipPadding(size);
    return data;
  }

  private void skipPadding(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      in.skipNBytes(BLOCK - rest);
    }
  }

  private String name() {
    String name = cString(header, 0, 100);
    if (cString(header, 257, 6).startsWith("ustar")) {
      String prefix = cString(header, 345, 155);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String paxPath(byte[] data) throws TarException {
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
        throw new TarException("damaged pax header");
      }
      if (length <= space - i + 1 || i + length > data.length) {
        throw new TarException("damaged pax header");
      }
      String record = new String(data, space + 1, length - (space - i) - 2, StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0 && record.substring(0, eq).equals("path")) {
        path = record.substring(eq + 1);
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

  private long octal(int offset, int length) throws TarException {
    if ((header[offset] & 0x80) != 0) {
      // GNU base-256, for values beyond octal's reach: far beyond any limit we accept.
      return Long.MAX_VALUE;
    }
    long value = 0;
    int i = offset;
    int end = offset + length;
    while (i < end && header[i] == ' ') {
      i++;
    }
    for (; i < end && header[i] != 0 && header[i] != ' '; i++) {
      byte b = header[i];
      if (b < '0' || b > '7') {
        throw new TarException("damaged tar header (a number field holds '" + (char) b + "')");
      }
      value = value * 8 + (b - '0');
    }
    return value;
  }

  private void checkChecksum() throws TarException {
    long stored = octal(148, 8);
    long sum = 0;
    for (int i = 0; i < BLOCK; i++) {
      sum += (i >= 148 && i < 156) ? ' ' : (header[i] & 0xff);
    }
    if (sum != stored) {
      throw new TarException("damaged tar header (checksum): not a tar archive, or a damaged one");
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

  /** The bytes of one entry; reading stops at the entry's end. */
  private static final class EntryContent extends InputStream {
    private final InputStream tar;
    private final long size;
    private long remaining;

    EntryContent(InputStream tar, long size) {
      this.tar = tar;
      this.size = size;
      this.remaining = size;
    }

    @Override
    public int read() throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int b = tar.read();
      if (b < 0) {
        throw new EOFException("the archive ends inside an entry");
      }
      remaining--;
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int n = tar.read(buffer, offset, (int) Math.min(length, remaining));
      if (n < 0) {
        throw new EOFException("the archive ends inside an entry");
      }
      remaining -= n;
      return n;
    }

    void skipRest() throws IOException {
      transferTo(OutputStream.nullOutputStream());
    }
  }
}
