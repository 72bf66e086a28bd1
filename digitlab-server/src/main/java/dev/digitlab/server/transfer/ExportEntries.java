package dev.digitlab.server.transfer;

import dev.digitlab.ml.tar.TarWriter;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.zip.GZIPOutputStream;

/**
 * The entries of an export, gathered first and then written as its {@code .tar.gz} straight to the
 * client ({@link #writeTo}), so that an export holds no more than one entry's JSON in memory
 * whatever the experiment's size: the whole archive used to be built in memory, and a few viewers
 * exporting a large experiment at once could exhaust the heap.
 *
 * <p>The manifest comes first and lists every entry's size and SHA-256, so every entry is known
 * before a byte is sent: what the export makes (JSON) goes to a temporary spool file as it is made;
 * a file already on disk (an artifact, a checkpoint, a model, a dataset) is read once for its size
 * and digest and again while it is written, checked against them. The archive's bytes are those the
 * in-memory writer made: the same manifest, entries and gzip settings.
 *
 * <p>A file that is gone or changed when it is written (a running trial overwrote its checkpoint
 * since) cannot be sent as the manifest says any more, and the response has begun: {@link #writeTo}
 * then stops without finishing the gzip or tar stream and throws, so that the download breaks (the
 * server closes the connection; no final chunk) and what was saved of it is not a whole gzip, which
 * every reader and this server's import refuse, rather than a shorter archive that looks whole.
 */
final class ExportEntries implements AutoCloseable {

  /**
   * One entry: {@code file} on disk, or (null) {@code size} bytes at {@code offset} of the spool.
   */
  private record Part(String path, long size, String sha256, Path file, long offset) {}

  private final Spool spool;
  private final String prefix;

  private ExportEntries(Spool spool, String prefix) {
    this.spool = spool;
    this.prefix = prefix;
  }

  /**
   * The entries {@code fill} puts, of an archive of {@code format} at {@code version}, spooled in a
   * new file of {@code space}; closing them deletes it (done here when {@code fill} fails: an
   * unknown id is a 404 before anything is sent).
   */
  static ExportEntries gather(
      TransferSpace space,
      String format,
      int version,
      String exportedAt,
      Consumer<ExportEntries> fill) {
    ExportEntries entries;
    try {
      entries =
          new ExportEntries(new Spool(space.newFile("export-"), format, version, exportedAt), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      fill.accept(entries);
      return entries;
    } catch (RuntimeException e) {
      entries.close();
      throw e;
    }
  }

  /** The same entries, with paths put under {@code folder} (a pipeline's carried experiment). */
  ExportEntries under(String folder) {
    return new ExportEntries(spool, prefix + folder);
  }

  /** Puts {@code bytes} made by the export at {@code path} (later, the same path's place kept). */
  void put(String path, byte[] bytes) {
    try {
      spool.out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    spool.parts.put(
        prefix + path,
        new Part(prefix + path, bytes.length, Digests.sha256(bytes), null, spool.length));
    spool.length += bytes.length;
  }

  /** A file's size and SHA-256 as read now. */
  record Digested(long size, String sha256) {}

  /** Reads {@code file} for its size and SHA-256. */
  static Digested digest(Path file) {
    MessageDigest digest = Digests.sha256();
    long size = 0;
    try (InputStream in = open(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        digest.update(buffer, 0, n);
        size += n;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Digested(size, Digests.hex(digest.digest()));
  }

  /** Puts the file at {@code path}: read now for its size and SHA-256, and again when written. */
  void putFile(String path, Path file) {
    putFile(path, file, digest(file));
  }

  /**
   * Puts the file at {@code path} as {@link #digest} found it; it is checked again when written.
   */
  void putFile(String path, Path file, Digested digested) {
    spool.parts.put(
        prefix + path, new Part(prefix + path, digested.size(), digested.sha256(), file, 0));
  }

  /**
   * Writes the archive to {@code out}: the manifest, then every entry in the order put. On any
   * failure the gzip stream is left unfinished (see the class comment) and the failure thrown.
   */
  void writeTo(OutputStream out) throws IOException {
    spool.out.close();
    List<TransferArchive.Entry> listed = new ArrayList<>();
    for (Part part : spool.parts.values()) {
      listed.add(new TransferArchive.Entry(part.path(), part.size(), part.sha256()));
    }
    byte[] manifest =
        TransferArchive.manifest(spool.format, spool.version, spool.exportedAt, listed);
    Abortable sink = new Abortable(out);
    GZIPOutputStream gzip = new GZIPOutputStream(sink, 1 << 16);
    boolean whole = false;
    try (FileChannel spooled = FileChannel.open(spool.file, StandardOpenOption.READ)) {
      TarWriter tar = new TarWriter(gzip);
      tar.file(TransferArchive.MANIFEST, manifest);
      for (Part part : spool.parts.values()) {
        if (part.file() == null) {
          tar.file(part.path(), part.size(), new Slice(spooled, part.offset(), part.size()), false);
          continue;
        }
        DigestInputStream in = new DigestInputStream(open(part.file()), Digests.sha256());
        try (in) {
          tar.file(part.path(), part.size(), in, false);
        }
        if (!Digests.hex(in.getMessageDigest().digest()).equals(part.sha256())) {
          throw new IOException("'" + part.path() + "' changed while it was exported");
        }
      }
      tar.finish();
      gzip.finish();
      whole = true;
    } finally {
      if (!whole) {
        sink.abort();
      }
      try {
        gzip.close(); // frees the deflater; aborted, it cannot write the gzip's trailer
      } catch (IOException e) {
        if (whole) {
          throw e;
        }
      }
    }
  }

  /** Deletes the spool. */
  @Override
  public void close() {
    try {
      spool.out.close();
      Files.deleteIfExists(spool.file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file the export carries (the exporter checked where it is). */
  private static InputStream open(Path file) throws IOException {
    return Files.newInputStream(file);
  }

  /** What entries share: the archive's format, the spool file, and every entry by path in order. */
  private static final class Spool {
    final Path file;
    final String format;
    final int version;
    final String exportedAt;
    final OutputStream out;
    final Map<String, Part> parts = new LinkedHashMap<>();
    long length;

    Spool(Path file, String format, int version, String exportedAt) throws IOException {
      this.file = file;
      this.format = format;
      this.version = version;
      this.exportedAt = exportedAt;
      this.out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16);
    }
  }

  /** One entry's {@code size} bytes of the spool, from {@code offset}. */
  private static final class Slice extends InputStream {
    private final FileChannel channel;
    private final long end;
    private long position;

    Slice(FileChannel channel, long offset, long size) {
      this.channel = channel;
      this.position = offset;
      this.end = offset + size;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (position >= end) {
        return -1;
      }
      int n =
          channel.read(
              ByteBuffer.wrap(buffer, offset, (int) Math.min(length, end - position)), position);
      if (n > 0) {
        position += n;
      }
      return n;
    }
  }

  /**
   * The response, until {@link #abort()}: from then on every write fails, so closing the gzip
   * stream cannot finish it. Closing never closes the response (the container does).
   */
  private static final class Abortable extends OutputStream {
    private final OutputStream out;
    private boolean aborted;

    Abortable(OutputStream out) {
      this.out = out;
    }

    void abort() {
      aborted = true;
    }

    @Override
    public void write(int b) throws IOException {
      check();
      out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws IOException {
      check();
      out.write(bytes, offset, length);
    }

    @Override
    public void flush() throws IOException {
      check();
      out.flush();
    }

    @Override
    public void close() throws IOException {
      if (!aborted) {
        out.flush();
      }
    }

    private void check() throws IOException {
      if (aborted) {
        throw new IOException("the export was aborted");
      }
    }
  }
}
