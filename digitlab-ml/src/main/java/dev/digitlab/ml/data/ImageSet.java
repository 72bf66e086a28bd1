package dev.digitlab.ml.data;

import java.util.Objects;

/**
 * Labelled images in IDX layout: {@code size()} images of {@code rows × cols} unsigned bytes, one
 * label byte each. Kept as raw bytes so that 60,000 MNIST images stay one 47 MB array.
 */
public record ImageSet(int rows, int cols, byte[] pixels, byte[] labels) {

  public ImageSet {
    Objects.requireNonNull(pixels, "pixels");
    Objects.requireNonNull(labels, "labels");
    if (rows <= 0 || cols <= 0) {
      throw new IllegalArgumentException("image size must be positive, got " + rows + "x" + cols);
    }
    if ((long) labels.length * rows * cols != pixels.length) {
      throw new IllegalArgumentException(
          "pixels hold "
              + pixels.length / ((long) rows * cols)
              + " images but there are "
              + labels.length
              + " labels");
    }
  }

  /** Number of images. */
  public int size() {
    return labels.length;
  }

  /** Pixels per image. */
  public int imageSize() {
    return rows * cols;
  }

  /** The label of image {@code i}, 0–255 (MNIST: 0–9). */
  public int label(int i) {
    return Byte.toUnsignedInt(labels[i]);
  }

  /** A new set holding the images at {@code indices}, in that order. */
  public ImageSet select(int[] indices) {
    int n = imageSize();
    byte[] p = new byte[indices.length * n];
    byte[] l = new byte[indices.length];
    for (int k = 0; k < indices.length; k++) {
      System.arraycopy(pixels, indices[k] * n, p, k * n, n);
      l[k] = labels[indices[k]];
    }
    return new ImageSet(rows, cols, p, l);
  }
}
