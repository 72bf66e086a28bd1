package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.digitlab.ml.data.ImageSet;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;

/**
 * An image set normalised once into one libtorch tensor, from which batches are gathered by index
 * inside libtorch, as PyTorch's {@code x[idx]} does. Converting pixels in Java for every batch, or
 * copying a fresh {@code float[]} per batch, cost a large share of small models' throughput (see
 * DJL-NOTES). The index buffer is reused: only one batch may be alive at a time.
 */
final class BatchFeeder implements AutoCloseable {

  private final NDArray images;
  private final NDArray labels;
  private final ByteBuffer indexBytes;
  private final LongBuffer index;
  private final boolean channelsLast;

  /**
   * @param channelsLast hand out batches with channels-last strides (see {@link ChannelsLast}), for
   *     convolutional networks
   */
  BatchFeeder(ImageSet set, int maxBatch, boolean channelsLast, NDManager manager) {
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
    this.indexBytes =
        ByteBuffer.allocateDirect(maxBatch * Long.BYTES).order(ByteOrder.nativeOrder());
    this.index = indexBytes.asLongBuffer();
  }

  /** Inputs (n, 1, rows, cols) and labels (n) of the images {@code order[from .. from+n)}. */
  Batch batch(NDManager manager, int[] order, int from, int n) {
    index.clear();
    for (int k = 0; k < n; k++) {
      index.put(order[from + k]);
    }
    // DJL wants the buffer's remaining bytes to match the shape exactly.
    indexBytes.clear().limit(n * Long.BYTES);
    NDArray positions = manager.create(indexBytes, new Shape(n), DataType.INT64);
    NDIndex selection = new NDIndex("{}", positions);
    NDArray x = layout(images.get(selection));
    NDArray y = labels.get(selection);
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

  @Override
  public void close() {
    images.close();
    labels.close();
  }

  /** One batch's inputs and labels. */
  record Batch(NDArray images, NDArray labels) {}
}
