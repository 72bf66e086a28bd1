package dev.digitlab.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * A small dataset in MNIST's IDX format, made by a test: class {@code k} is a bright 6×6 block at
 * one of ten places on a 28×28 image, moved by up to 2 pixels, over faint noise. Any recipe learns
 * it within an epoch, so a test that trains on it proves the files arrived intact, not a model's
 * quality.
 */
public final class SyntheticIdx {

  public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
  public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
  public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
  public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

  private SyntheticIdx() {}

  /** Writes the four files into {@code dir} and returns it. */
  public static Path write(Path dir, int train, int test, int classes, long seed) {
    Random random = new Random(seed);
    try {
      Files.createDirectories(dir);
      writeSet(dir.resolve(TRAIN_IMAGES), dir.resolve(TRAIN_LABELS), train, classes, random);
      writeSet(dir.resolve(TEST_IMAGES), dir.resolve(TEST_LABELS), test, classes, random);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  private static void writeSet(Path images, Path labels, int count, int classes, Random random)
      throws IOException {
    byte[] labelBytes = new byte[count];
    byte[] pixels = new byte[count * 28 * 28];
    for (int i = 0; i < count; i++) {
      int label = i % classes;
      labelBytes[i] = (byte) label;
      int top = 3 + (label / 5) * 12 + random.nextInt(5) - 2;
      int left = 1 + (label % 5) * 5 + random.nextInt(3) - 1;
      for (int y = 0; y < 28; y++) {
        for (int x = 0; x < 28; x++) {
          boolean block = y >= top && y < top + 6 && x >= left && x < left + 6;
          int value = block ? 200 + random.nextInt(56) : random.nextInt(40);
          pixels[i * 784 + y * 28 + x] = (byte) value;
        }
      }
    }
    Files.write(images, imageFile(count, 28, 28, pixels));
    Files.write(labels, labelFile(labelBytes));
  }

  /** An IDX image file's bytes: magic 0x803, count, rows, cols, then the pixels. */
  public static byte[] imageFile(int count, int rows, int cols, byte[] pixels) {
    return ByteBuffer.allocate(16 + pixels.length)
        .putInt(0x803)
        .putInt(count)
        .putInt(rows)
        .putInt(cols)
        .put(pixels)
        .array();
  }

  /** An IDX label file's bytes: magic 0x801, count, then the labels. */
  public static byte[] labelFile(byte[] labels) {
    return ByteBuffer.allocate(8 + labels.length)
        .putInt(0x801)
        .putInt(labels.length)
        .put(labels)
        .array();
  }

  /** A tar archive (ustar) of the regular files directly in {@code dir}, for upload. */
  public static byte[] tar(Path dir) {
    try (var out = new java.io.ByteArrayOutputStream();
        var files = Files.list(dir)) {
      for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
        byte[] content = Files.readAllBytes(file);
        byte[] header = new byte[512];
        put(header, 0, file.getFileName().toString());
        put(header, 100, "0000644");
        put(header, 108, "0000000");
        put(header, 116, "0000000");
        put(header, 124, String.format("%011o", content.length));
        put(header, 136, String.format("%011o", 0));
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        java.util.Arrays.fill(header, 148, 156, (byte) ' ');
        int sum = 0;
        for (byte b : header) {
          sum += b & 0xff;
        }
        put(header, 148, String.format("%06o", sum));
        header[154] = 0;
        out.write(header);
        out.write(content);
        out.write(new byte[(512 - content.length % 512) % 512]);
      }
      out.write(new byte[1024]);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void put(byte[] header, int offset, String text) {
    byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    System.arraycopy(bytes, 0, header, offset, bytes.length);
  }
}
