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

/**
 * An image set normalised once into native memory, from which training batches are copied row by
 * row (one bulk memory copy per image) into a batch buffer that libtorch reads in place.
 *
 * <p>On the CPU the batch's tensors wrap that buffer and are made once per batch size: a batch
 * costs no call into libtorch at all. Gathering it inside libtorch instead ({@code images[idx]}, as
 * PyTorch's loop does) cost an index tensor, an index expression and two gathers per step, about 12
 * JNI calls, and libtorch's element-wise index kernel took about 5% of a one-thread {@code mlp}
 * step, several times a memory copy of the same 400 kB. On a GPU the tensors are copies, so each
 * batch makes new ones from the buffer.
 *
 * <p>The buffers are reused: only one batch may be alive at a time, and a batch's tensors must not
 * be kept past the step (nor changed in place).
 */
final class BatchFeeder implements AutoCloseable {

  private final NDManager manager;
  private final ImageSet set;
  private final NDArray images;
  private final ByteBuffer pixels;
  private final int imageBytes;
  private final Shape imageShape;
  private final ByteBuffer batchPixels;
  private final ByteBuffer batchLabels;
  private final boolean channelsLast;
  private final boolean shared;
  private Batch cached;

  /**
   * @param channelsLast hand out batches with channels-last strides (see {@link ChannelsLast}), for
   *     convolutional networks
   */
  BatchFeeder(ImageSet set, int maxBatch, boolean channelsLast, NDManager manager) {
    this.manager = manager;
    this.set = set;
    this.channelsLast = channelsLast;
    int perImage = set.imageSize();
    this.imageBytes = perImage * Float.BYTES;
    this.imageShape = new Shape(1, set.rows(), set.cols());
    this.pixels = ByteBuffer.allocateDirect(set.size() * imageBytes).order(ByteOrder.nativeOrder());
    FloatBuffer floats = pixels.asFloatBuffer();
    float[] row = new float[perImage];
    byte[] source = set.pixels();
    for (int i = 0; i < set.size(); i++) {
      for (int p = 0; p < perImage; p++) {
        row[p] = PixelNormalisation.of(source[i * perImage + p]);
      }
      floats.put(row);
    }
    this.images =
        manager.create(pixels, new Shape(set.size()).addAll(imageShape), DataType.FLOAT32);
    int batchImages = Math.min(maxBatch, set.size());
    this.batchPixels =
        ByteBuffer.allocateDirect(batchImages * imageBytes).order(ByteOrder.nativeOrder());
    this.batchLabels =
        ByteBuffer.allocateDirect(batchImages * Long.BYTES).order(ByteOrder.nativeOrder());
    this.shared = !images.getDevice().isGpu();
  }

  /**
   * Inputs (n, 1, rows, cols), labels (n) and labels as a column (n, 1) of the images {@code
   * order[from .. from+n)}, owned by {@code step} until it closes; the buffers behind them are
   * overwritten by the next call.
   */
  Batch batch(NDManager step, int[] order, int from, int n) {
    for (int k = 0; k < n; k++) {
      int image = order[from + k];
      batchPixels.put(k * imageBytes, pixels, image * imageBytes, imageBytes);
      batchLabels.putLong(k * Long.BYTES, set.label(image));
    }
    Batch batch;
    if (shared) {
      if (cached == null || cached.size() != n) {
        if (cached != null) {
          cached.close();
        }
        cached = wrap(manager, n);
      }
      batch = cached;
      // Lent to the step until it closes: the results of operations on these arrays then belong
      // to the step too, instead of piling up in the feeder's manager.
      batch.images().tempAttach(step);
      batch.labels().tempAttach(step);
      batch.labelColumn().tempAttach(step);
    } else {
      batch = wrap(step, n);
    }
    return channelsLast ? batch.withImages(ChannelsLast.of(batch.images())) : batch;
  }

  private Batch wrap(NDManager owner, int n) {
    NDArray x =
        owner.create(
            batchPixels.slice(0, n * imageBytes),
            new Shape(n).addAll(imageShape),
            DataType.FLOAT32);
    ByteBuffer labelBytes = batchLabels.slice(0, n * Long.BYTES);
    NDArray y = owner.create(labelBytes, new Shape(n), DataType.INT64);
    NDArray column = owner.create(labelBytes, new Shape(n, 1), DataType.INT64);
    return new Batch(n, x, y, column);
  }

  /** Inputs of the consecutive images {@code [from, from+n)}, for evaluation. */
  NDArray slice(NDManager step, int from, int n) {
    NDArray x = images.get(new NDIndex("{}:{}", from, from + n));
    // Before the layout change, so that its intermediate arrays belong to the step too.
    x.attach(step);
    return channelsLast ? ChannelsLast.of(x) : x;
  }

  @Override
  public void close() {
    if (cached != null) {
      cached.close();
    }
    images.close();
  }

  /**
   * One batch: its size, inputs, labels, and labels as a column (for gathering log-probabilities).
   */
  record Batch(int size, NDArray images, NDArray labels, NDArray labelColumn) {

    Batch withImages(NDArray layout) {
      return new Batch(size, layout, labels, labelColumn);
    }

    void close() {
      images.close();
      labels.close();
      labelColumn.close();
    }
  }
}
