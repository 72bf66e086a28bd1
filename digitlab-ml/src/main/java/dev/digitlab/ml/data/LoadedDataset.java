package dev.digitlab.ml.data;

import java.nio.file.Path;
import java.util.Objects;

/** A dataset's training and test images, read from verified files. */
public record LoadedDataset(ImageSet train, ImageSet test) {

  public LoadedDataset {
    Objects.requireNonNull(train, "train");
    Objects.requireNonNull(test, "test");
  }

  /** Reads the four files of {@code spec} from {@code directory}. */
  public static LoadedDataset read(DatasetSpec spec, Path directory) {
    return new LoadedDataset(
        IdxReader.read(
            directory.resolve(spec.trainImages().storedName()),
            directory.resolve(spec.trainLabels().storedName())),
        IdxReader.read(
            directory.resolve(spec.testImages().storedName()),
            directory.resolve(spec.testLabels().storedName())));
  }
}
