package dev.digitlab.ml.data;

import java.util.Random;

/** Small generated image sets for tests; never the real MNIST. */
final class SyntheticImages {

  private SyntheticImages() {}

  /** {@code count} random 4×3 images labelled 0, 1, …, classes-1, 0, 1, … */
  static ImageSet cycling(int count, int classes) {
    byte[] labels = new byte[count];
    for (int i = 0; i < count; i++) {
      labels[i] = (byte) (i % classes);
    }
    return withLabels(labels);
  }

  /** Random 4×3 images with the given labels. */
  static ImageSet withLabels(byte[] labels) {
    byte[] pixels = new byte[labels.length * 12];
    new Random(labels.length).nextBytes(pixels);
    return new ImageSet(4, 3, pixels, labels);
  }
}
