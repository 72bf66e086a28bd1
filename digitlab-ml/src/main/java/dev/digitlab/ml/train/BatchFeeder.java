package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.digitlab.ml.data.ImageSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * Turns a slice of shuffled image indices into input and label arrays. Both live in direct buffers
 * allocated once and wrapped by libtorch without a copy: a fresh {@code float[]} per batch cost
 * half the throughput of small models (see DJL-NOTES). Only one batch may be alive at a time.
 */
final class BatchFeeder {

  /** MNIST's training-set mean and standard deviation, as in the benchmark recipes. */
  static final float MEAN = 0.1307f;

  static final float STD = 0.3081f;

  /** Normalised value of each pixel byte: (byte / 255 − mean) / std. */
  private static final float[] NORMALISED = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      NORMALISED[i] = (i / 255f - MEAN) / STD;
    }
  }

  private final int rows;
  private final int cols;
  private final ByteBuffer features;
  private final FloatBuffer featureView;
  private final ByteBuffer labels;
  private final LongBuffer labelView;
  private final float[] staging;

  BatchFeeder(int maxBatch, int rows, int cols) {
    this.rows = rows;
    this.cols = cols;
    int pixels = rows * cols;
    this.features =
        ByteBuffer.allocateDirect(maxBatch * pixels * Float.BYTES).order(ByteOrder.nativeOrder());
    this.featureView = features.asFloatBuffer();
    this.labels = ByteBuffer.allocateDirect(maxBatch * Long.BYTES).order(ByteOrder.nativeOrder());
    this.labelView = labels.asLongBuffer();
    this.staging = new float[maxBatch * pixels];
  }

  /** Inputs (n, 1, rows, cols), normalised, of the images {@code order[from .. from+n)}. */
  NDArray images(NDManager manager, ImageSet set, int[] order, int from, int n) {
    int pixels = rows * cols;
    byte[] source = set.pixels();
    for (int k = 0; k < n; k++) {
      int offset = order[from + k] * pixels;
      int base = k * pixels;
      for (int p = 0; p < pixels; p++) {
        staging[base + p] = NORMALISED[source[offset + p] & 0xFF];
      }
    }
    featureView.clear();
    featureView.put(staging, 0, n * pixels);
    // DJL wants the buffer's remaining bytes to match the shape exactly.
    features.clear().limit(n * pixels * Float.BYTES);
    return manager.create(features, new Shape(n, 1, rows, cols), DataType.FLOAT32);
  }

  /** Labels (n) as int64 class indices of the images {@code order[from .. from+n)}. */
  NDArray labels(NDManager manager, ImageSet set, int[] order, int from, int n) {
    labelView.clear();
    for (int k = 0; k < n; k++) {
      labelView.put(set.label(order[from + k]));
    }
    labels.clear().limit(n * Long.BYTES);
    return manager.create(labels, new Shape(n), DataType.INT64);
  }

  /** The labels of the images {@code order[from .. from+n)} as Java ints. */
  static int[] labelArray(ImageSet set, int[] order, int from, int n) {
    int[] out = new int[n];
    for (int k = 0; k < n; k++) {
      out[k] = set.label(order[from + k]);
    }
    return out;
  }
}
