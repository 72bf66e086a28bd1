package dev.digitlab.worker.run;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.LoadedDataset;

/** Finds a dataset's images by the name a config gives ({@code mnist}, {@code fashion-mnist}). */
@FunctionalInterface
public interface DatasetSource {

  /** The training and test images of {@code name}; may fetch them first. */
  LoadedDataset load(String name);

  /** The datasets of a data home, fetched on first use. */
  static DatasetSource of(DatasetStore store) {
    return name -> store.load(DatasetId.byName(name));
  }
}
