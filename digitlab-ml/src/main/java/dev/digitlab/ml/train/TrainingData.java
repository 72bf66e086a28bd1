package dev.digitlab.ml.train;

import dev.digitlab.ml.data.ImageSet;
import java.util.Objects;

/**
 * The images of a run: what it trains on, what it validates on after each epoch (null for none) and
 * the test set, which is only ever evaluated.
 */
public record TrainingData(ImageSet train, ImageSet validation, ImageSet test) {

  public TrainingData {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
    if (train.size() == 0) {
      throw new IllegalArgumentException("there are no training images");
    }
  }
}
