package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.digitlab.ml.data.ImageSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * An image set normalised once into one libtorch tensor. Each epoch gathers the whole set once into
 * the epoch's shuffled order, inside libtorch, so that a training batch is a contiguous slice of
 * that copy: one libtorch call per batch, where gathering each batch by index (PyTorch's {@code
 * x[idx]}) cost an index tensor copied from Java and an advanced-indexing call for images and
 * labels per step. The batches hold the same images in the same order either way. Converting pixels
 * in Java for every batch, or copying a fresh {@code float[]} per batch, cost a large share of
 * small models' throughput (see DJL-NOTES).
 */
final class BatchFeeder implements AutoCloseable {

  private final NDArray images;
  private final NDArray labels;
  private final boolean channelsLast;
  private NDArray shuffledImages;
  private NDArray shuffledLabels;

  /**
   * @param channelsLast hand out batches with channels-last strides (see {@link ChannelsLast}), for
   *     convolutional networks
   */
  BatchFeeder(ImageSet set, boolean channelsLast, NDManager manager) {
    this.channelsLast = channelsLast;
    int pixels = set.imageSize();
    ByteBuffer data =
        ByteBuffer.allocateDirect(set.size() * pixels * Float.BYTES).order(ByteOrder.nativeOrder());
    FloatBuffer floats = data.asFloatBuffer();
    float[] row = new float[pixels];
    byte[] source = set.pixels();
    for (int i = 0; i < set.size(); i++) {
      for (int p = 0; p < pixels; p++) {
        row[p] = PixelNormalisation.of(source[i * pixels + p]);
      }
      floats.put(row);
    }
    this.images =
        manager.create(data, new Shape(set.size(), 1, set.rows(), set.cols()), DataType.FLOAT32);
    ByteBuffer labelBytes =
        ByteBuffer.allocateDirect(set.size() * Long.BYTES).order(ByteOrder.nativeOrder());
    for (int i = 0; i < set.size(); i++) {
      labelBytes.putLong(set.label(i));
    }
    labelBytes.flip();
    this.labels = manager.create(labelBytes, new Shape(set.size()), DataType.INT64);
  }

  /**
   * Starts an epoch that visits the images in {@code order}: gathers images and labels into that
   * order once (the previous epoch's copy is freed first, so at most one copy is alive).
   */
  void shuffle(int[] order) {
    closeShuffled();
    ByteBuffer indexBytes =
        ByteBuffer.allocateDirect(order.length * Long.BYTES).order(ByteOrder.nativeOrder());
    LongBuffer index = indexBytes.asLongBuffer();
    for (int position : order) {
      index.put(position);
    }
    NDManager manager = images.getManager();
    try (NDArray positions = manager.create(indexBytes, new Shape(order.length), DataType.INT64)) {
      NDIndex selection = new NDIndex("{}", positions);
      shuffledImages = images.get(selection);
      shuffledLabels = labels.get(selection);
    }
  }

  /**
   * Inputs (n, 1, rows, cols) and labels (n) of the images at positions {@code [from, from+n)} of
   * the order given to {@link #shuffle}: views of the epoch's copy, closed with {@code manager}.
   */
  Batch batch(NDManager manager, int from, int n) {
    NDArray x = layout(JniUtils.slice((PtNDArray) shuffledImages, 0, from, from + n, 1));
    NDArray y = JniUtils.slice((PtNDArray) shuffledLabels, 0, from, from + n, 1);
    x.attach(manager);
    y.attach(manager);
    return new Batch(x, y);
  }

  /** Inputs of the consecutive images {@code [from, from+n)}, for evaluation. */
  NDArray slice(NDManager manager, int from, int n) {
    NDArray x = layout(images.get(new NDIndex("{}:{}", from, from + n)));
    x.attach(manager);
    return x;
  }

  private NDArray layout(NDArray x) {
    return channelsLast ? ChannelsLast.of(x) : x;
  }

  private void closeShuffled() {
    if (shuffledImages != null) {
      shuffledImages.close();
      shuffledLabels.close();
      shuffledImages = null;
      shuffledLabels = null;
    }
  }

  @Override
  public void close() {
    closeShuffled();
    images.close();
    labels.close();
  }

  /** One batch's inputs and labels. */
  record Batch(NDArray images, NDArray labels) {}
}
