package dev.digitlab.server.workers;

import dev.digitlab.ml.data.LoadedDataset;
import java.util.Optional;

/**
 * Datasets that only this server has, by the name a server-only trial's config gives (a
 * retraining's base training set plus its feedback images). The embedded worker looks here before
 * the data home; remote workers never get such a trial.
 */
public interface ServerDatasets {

  /** The dataset called {@code name}, or empty when it is not one of these. */
  Optional<LoadedDataset> load(String name);
}
