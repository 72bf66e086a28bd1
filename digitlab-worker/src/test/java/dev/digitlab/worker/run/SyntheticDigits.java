package dev.digitlab.worker.run;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import java.util.SplittableRandom;

/**
 * Small generated 28×28 images whose class decides where a bright bar sits, with noise: learnable
 * in an epoch, so runner tests need no MNIST files. (The idea of digitlab-ml's test generator.)
 */
final class SyntheticDigits {

  private SyntheticDigits() {}

  static LoadedDataset dataset(int train, int test) {
    return new LoadedDataset(generate(train, 1), generate(test, 2));
  }

  private static ImageSet generate(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[] pixels = new byte[n * 784];
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      int label = i % 10;
      labels[i] = (byte) label;
      for (int p = 0; p < 784; p++) {
        int row = p / 28;
        int col = p % 28;
        boolean bar = (label < 5 ? row : col) / 5 == label % 5;
        pixels[i * 784 + p] = (byte) (bar ? 150 + random.nextInt(100) : random.nextInt(60));
      }
    }
    return new ImageSet(28, 28, pixels, labels);
  }
}
