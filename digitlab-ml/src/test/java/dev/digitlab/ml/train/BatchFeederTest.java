package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.NativeResource;
import dev.digitlab.ml.data.ImageSet;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Batches copied into the feeder's reused buffer are the images and labels the order names. */
class BatchFeederTest {

  private static final int ROWS = 3;
  private static final int COLS = 2;

  /** Image i has every pixel 10·i + position and label i mod 10. */
  private static ImageSet images(int n) {
    byte[] pixels = new byte[n * ROWS * COLS];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < ROWS * COLS; p++) {
        pixels[i * ROWS * COLS + p] = (byte) (10 * i + p);
      }
      labels[i] = (byte) (i % 10);
    }
    return new ImageSet(ROWS, COLS, pixels, labels);
  }

  private static float[] expectedPixels(ImageSet set, int[] order, int from, int n) {
    float[] expected = new float[n * ROWS * COLS];
    for (int k = 0; k < n; k++) {
      for (int p = 0; p < ROWS * COLS; p++) {
        expected[k * ROWS * COLS + p] =
            PixelNormalisation.of(set.pixels()[order[from + k] * ROWS * COLS + p]);
      }
    }
    return expected;
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void each_batch_holds_the_ordered_images_and_labels_also_when_the_size_changes(
      boolean channelsLast) {
    ImageSet set = images(7);
    int[] order = {6, 2, 0, 5, 3, 1, 4};
    try (NDManager root = NDManager.newBaseManager("PyTorch");
        BatchFeeder feeder = new BatchFeeder(set, 3, channelsLast, root)) {
      for (int from = 0; from < order.length; from += 3) {
        int n = Math.min(3, order.length - from);
        try (NDManager step = root.newSubManager()) {
          BatchFeeder.Batch batch = feeder.batch(step, order, from, n);

          assertThat(batch.size()).isEqualTo(n);
          assertThat(batch.images().getShape()).isEqualTo(new Shape(n, 1, ROWS, COLS));
          assertThat(batch.images().toFloatArray())
              .containsExactly(expectedPixels(set, order, from, n));
          long[] labels = new long[n];
          for (int k = 0; k < n; k++) {
            labels[k] = set.label(order[from + k]);
          }
          assertThat(batch.labels().toLongArray()).containsExactly(labels);
          assertThat(batch.labelColumn().getShape()).isEqualTo(new Shape(n, 1));
          assertThat(batch.labelColumn().toLongArray()).containsExactly(labels);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void what_a_step_computes_from_its_batch_is_freed_with_the_step(boolean channelsLast) {
    ImageSet set = images(4);
    int[] order = {3, 1, 2, 0};
    try (NDManager root = NDManager.newBaseManager("PyTorch");
        BatchFeeder feeder = new BatchFeeder(set, 4, channelsLast, root)) {
      NDArray images;
      NDArray derived;
      try (NDManager step = root.newSubManager()) {
        BatchFeeder.Batch batch = feeder.batch(step, order, 0, 4);
        images = batch.images();
        derived = images.reshape(4, -1).mul(2);
      }
      // Results of operations on the batch belonged to the step, not to the feeder's manager
      // (where they would pile up, one set per step, until training ends).
      assertThat(((NativeResource<?>) derived).isReleased()).isTrue();
      if (channelsLast) {
        assertThat(((NativeResource<?>) images).isReleased()).isTrue();
      }
      // The feeder's own arrays outlive the step: the next batch still works.
      try (NDManager step = root.newSubManager()) {
        BatchFeeder.Batch batch = feeder.batch(step, order, 0, 4);
        assertThat(batch.images().toFloatArray()).containsExactly(expectedPixels(set, order, 0, 4));
      }
    }
  }
}
