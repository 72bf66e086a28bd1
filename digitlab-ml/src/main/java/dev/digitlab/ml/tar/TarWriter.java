package dev.digitlab.ml.tar;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes a ustar stream that {@link TarReader}, GNU tar and Python's tarfile read back. It is
 * deterministic: every time is 0 and every owner 0, so the same entries give the same bytes (and
 * the same SHA-256). Names longer than 100 bytes get a GNU long-name header. Only files and folders
 * can be written: what a reader would refuse is never packed.
 */
public final class TarWriter implements AutoCloseable {

  private static final int BLOCK = TarReader.BLOCK;

  private final OutputStream out;
  private boolean finished;

  /** Writes to {@code out} (compress it yourself, e.g. with a {@code GZIPOutputStream}). */
  public TarWriter(OutputStream out) {
    this.out = out;
  }

  /** A folder entry; {@code name} gets its trailing slash here. */
  public void directory(String name) throws IOException {
    header(checked(name) + "/", '5', 0, 0755);
  }

  /** A file entry with {@code content}. */
  public void file(String name, byte[] content) throws IOException {
    file(name, content, false);
  }

  /** A file entry with {@code content}, mode 755 when {@code executable}, else 644. */
  public void file(String name, byte[] content, boolean executable) throws IOException {
    header(checked(name), '0', content.length, executable ? 0755 : 0644);
    out.write(content);
    pad(content.length);
  }

  /**
   * A file entry of {@code size} bytes read from {@code content}.
   *
   * @throws IOException if {@code content} does not hold exactly {@code size} bytes (a file that
   *     changed while it was packed)
   */
  public void file(String name, long size, InputStream content, boolean executable)
      throws IOException {
    header(checked(name), '0', size, executable ? 0755 : 0644);
    long copied = 0;
    byte[] buffer = new byte[1 << 16];
    for (int n;
        copied < size
            && (n = content.read(buffer, 0, (int) Math.min(buffer.length, size - copied))) > 0; ) {
      out.write(buffer, 0, n);
      copied += n;
    }
    if (copied != size || content.read() >= 0) {
      throw new IOException("'" + name + "' changed size while it was packed");
    }
    pad(size);
  }

  /** Writes the end-of-archive blocks; the stream stays open. */
  public void finish() throws IOException {
    if (!finished) {
      out.write(new byte[BLOCK * 2]);
      finished = true;
    }
  }

  /** Finishes the archive and closes the stream. */
  @Override
  public void close() throws IOException {
    try {
      finish();
    } finally {
      out.close();
    }
  }

  private static String checked(String name) throws TarException {
    String clean = TarPaths.relative(name);
    if (clean.isEmpty()) {
      throw new TarException("archive entry '" + name + "' names the root itself");
    }
    return clean;
  }

  private void header(String name, char type, long size, int mode) throws IOException {
    byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 100) {
      byte[] longName = new byte[bytes.length + 1];
      System.arraycopy(bytes, 0, longName, 0, bytes.length);
      writeHeader("././@LongLink".getBytes(StandardCharsets.US_ASCII), 'L', longName.length, 0644);
      out.write(longName);
      pad(longName.length);
      byte[] cut = new byte[100];
      System.arraycopy(bytes, 0, cut, 0, 100);
      bytes = cut;
    }
    writeHeader(bytes, type, size, mode);
  }

  private void writeHeader(byte[] name, char type, long size, int mode) throws IOException {
    byte[] h = new byte[BLOCK];
    System.arraycopy(name, 0, h, 0, Math.min(100, name.length));
    putOctal(h, 100, 8, mode);
    putOctal(h, 108, 8, 0);
    putOctal(h, 116, 8, 0);
    putOctal(h, 124, 12, size);
    putOctal(h, 136, 12, 0);
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
    byte[] b = ("0".repeat(width - digits.length()) + digits).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(b, 0, h, offset, width);
    h[offset + width] = 0;
  }

  private void pad(long size) throws IOException {
    int rest = (int) (size % BLOCK);
    if (rest != 0) {
      out.write(new byte[BLOCK - rest]);
    }
  }
}
