package dev.digitlab.ml.train;

import dev.digitlab.ml.data.ImageSet;
import java.util.SplittableRandom;

/**
 * Small generated 28×28 images whose class decides where a bright bar sits, with noise: learnable
 * in one epoch by every model, so trainer tests need no MNIST files.
 */
final class SyntheticDigits {

  private SyntheticDigits() {}

  static ImageSet generate(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      int label = i % 10;
      labels[i] = (byte) label;
      for (int p = 0; p < 784; p++) {
        int row = p / 28;
        int col = p % 28;
        boolean bar = (label < 5 ? row : col) / 5 == label % 5 + 0;
        int value = bar ? 150 + random.nextInt(100) : random.nextInt(60);
        pixels[i * 784 + p] = (byte) value;
      }
    }
    return new ImageSet(28, 28, pixels, labels);
  }

  static TrainingData data(int train, int test) {
    return new TrainingData(generate(train, 1), null, generate(test, 2));
  }
}
