package dev.digitlab.ml.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX image and label files, raw or gzip-compressed, into an {@link ImageSet}.
 *
 * <p>Whole files are read into memory at once: MNIST's largest file is 47 MB and one bulk read is
 * far faster than parsing through a stream. Compression is detected from the gzip magic bytes, not
 * from the file name, because users rename and unpack files by hand.
 */
public final class IdxReader {

  static final int IMAGES_MAGIC = 0x00000803;
  static final int LABELS_MAGIC = 0x00000801;
  private static final int IMAGES_HEADER = 16;
  private static final int LABELS_HEADER = 8;

  private IdxReader() {}

  /** Reads an image file and its label file, checking that they describe the same images. */
  public static ImageSet read(Path images, Path labels) {
    Images img = readImages(images);
    byte[] lab = readLabels(labels);
    if (img.count() != lab.length) {
      throw new DatasetException(
          images
              + " holds "
              + img.count()
              + " images but "
              + labels
              + " holds "
              + lab.length
              + " labels; they do not belong together. "
              + REFETCH_HINT);
    }
    return new ImageSet(img.rows(), img.cols(), img.pixels(), lab);
  }

  /** Pixels of an IDX image file ({@code count} images of {@code rows × cols}). */
  record Images(int count, int rows, int cols, byte[] pixels) {}

  static Images readImages(Path file) {
    byte[] bytes = readContent(file);
    ByteBuffer header = header(file, bytes, IMAGES_HEADER, IMAGES_MAGIC, "image (idx3-ubyte)");
    int count = dimension(file, header, "image count");
    int rows = dimension(file, header, "row count");
    int cols = dimension(file, header, "column count");
    long expected = (long) count * rows * cols;
    checkLength(file, bytes, IMAGES_HEADER, expected);
    byte[] pixels = new byte[(int) expected];
    System.arraycopy(bytes, IMAGES_HEADER, pixels, 0, pixels.length);
    return new Images(count, rows, cols, pixels);
  }

  static byte[] readLabels(Path file) {
    byte[] bytes = readContent(file);
    ByteBuffer header = header(file, bytes, LABELS_HEADER, LABELS_MAGIC, "label (idx1-ubyte)");
    int count = dimension(file, header, "label count");
    checkLength(file, bytes, LABELS_HEADER, count);
    byte[] labels = new byte[count];
    System.arraycopy(bytes, LABELS_HEADER, labels, 0, count);
    return labels;
  }

  static final String REFETCH_HINT =
      "Delete the dataset files and run `digitlab data fetch` again.";

  /** True when {@code bytes} start with the two gzip magic bytes (RFC 1952). */
  static boolean isGzip(byte[] bytes) {
    return bytes.length >= 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b;
  }

  private static byte[] readContent(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DatasetException(
          file + " does not exist. Run `digitlab data fetch` to download the dataset.", e);
    } catch (IOException e) {
      throw new DatasetException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    if (!isGzip(bytes)) {
      return bytes;
    }
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new DatasetException(
          file
              + " looks gzip-compressed but cannot be decompressed ("
              + e.getMessage()
              + "). "
              + REFETCH_HINT,
          e);
    }
  }

  private static ByteBuffer header(
      Path file, byte[] bytes, int headerLength, int magic, String kind) {
    if (bytes.length < headerLength) {
      throw new DatasetException(
          file
              + " is too short to be an IDX "
              + kind
              + " file ("
              + bytes.length
              + " bytes). "
              + REFETCH_HINT);
    }
    ByteBuffer header = ByteBuffer.wrap(bytes, 0, headerLength); // big-endian, as IDX is
    int actual = header.getInt();
    if (actual != magic) {
      throw new DatasetException(
          String.format(
              "%s is not an IDX %s file: its magic number is 0x%08X, expected 0x%08X. %s",
              file, kind, actual, magic, REFETCH_HINT));
    }
    return header;
  }

  private static int dimension(Path file, ByteBuffer header, String what) {
    int value = header.getInt();
    if (value <= 0) {
      throw new DatasetException(
          file + " declares a " + what + " of " + value + "; it must be positive. " + REFETCH_HINT);
    }
    return value;
  }

  private static void checkLength(Path file, byte[] bytes, int headerLength, long payload) {
    long expected = headerLength + payload;
    if (expected > Integer.MAX_VALUE - 8) {
      throw new DatasetException(
          file + " declares " + expected + " bytes, more than one array can hold. " + REFETCH_HINT);
    }
    if (bytes.length != expected) {
      throw new DatasetException(
          file
              + (bytes.length < expected ? " is truncated" : " has trailing data")
              + ": its header declares "
              + expected
              + " bytes but it holds "
              + bytes.length
              + ". "
              + REFETCH_HINT);
    }
  }
}
