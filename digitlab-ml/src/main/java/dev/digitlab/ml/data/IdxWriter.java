package dev.digitlab.ml.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Writes an {@link ImageSet} as an IDX image file and an IDX label file, optionally gzipped. */
public final class IdxWriter {

  private IdxWriter() {}

  /** Writes {@code set} to {@code images} and {@code labels}, gzip-compressed when asked. */
  public static void write(ImageSet set, Path images, Path labels, boolean gzip) {
    writeFile(images, imageBytes(set), gzip);
    writeFile(labels, labelBytes(set), gzip);
  }

  /** The raw IDX image file of {@code set}: header then pixels. */
  public static byte[] imageBytes(ImageSet set) {
    ByteBuffer out = ByteBuffer.allocate(16 + set.pixels().length);
    out.put(imageHeader(set.size(), set.rows(), set.cols()));
    out.put(set.pixels());
    return out.array();
  }

  /** The raw IDX label file of {@code set}: header then one byte per image. */
  public static byte[] labelBytes(ImageSet set) {
    ByteBuffer out = ByteBuffer.allocate(8 + set.labels().length);
    out.put(labelHeader(set.size())).put(set.labels());
    return out.array();
  }

  /**
   * The 16-byte header of an IDX image file of {@code count} images of {@code rows} × {@code cols}.
   */
  public static byte[] imageHeader(int count, int rows, int cols) {
    return ByteBuffer.allocate(16)
        .putInt(IdxReader.IMAGES_MAGIC)
        .putInt(count)
        .putInt(rows)
        .putInt(cols)
        .array();
  }

  /** The 8-byte header of an IDX label file of {@code count} labels. */
  public static byte[] labelHeader(int count) {
    return ByteBuffer.allocate(8).putInt(IdxReader.LABELS_MAGIC).putInt(count).array();
  }

  /** {@code bytes} compressed with gzip. */
  public static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream(bytes.length / 4 + 64);
    try (OutputStream out = new GZIPOutputStream(buffer)) {
      out.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
    return buffer.toByteArray();
  }

  private static void writeFile(Path file, byte[] bytes, boolean gzip) {
    try {
      Files.write(file, gzip ? gzip(bytes) : bytes);
    } catch (IOException e) {
      throw new DatasetException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
