package dev.digitlab.ml.data;

import java.nio.file.Path;

/**
 * The datasets under a data home, in {@code <home>/datasets/<name>/}. Any code that needs a dataset
 * asks here, and a missing dataset is fetched on first use.
 */
public final class DatasetStore {

  private final Path home;
  private final DatasetFetcher fetcher;

  public DatasetStore(Path home, DatasetFetcher fetcher) {
    this.home = home;
    this.fetcher = fetcher;
  }

  /** Where {@code id} is kept; it may not exist yet. */
  public Path directory(DatasetId id) {
    return directory(home, id);
  }

  /** Where {@code id} is kept under data home {@code home}; it may not exist yet. */
  public static Path directory(Path home, DatasetId id) {
    return home.resolve("datasets").resolve(id.id());
  }

  /** Makes sure the verified files of {@code id} are present and reports how each got there. */
  public FetchResult fetch(DatasetId id) {
    Path directory = directory(id);
    DatasetFetcher.createDirectory(
        directory,
        "Choose another data home with --home DIR or the DIGITLAB_HOME environment variable.");
    return fetcher.fetch(id.spec(), directory);
  }

  /** The directory holding the verified files of {@code id}, fetching them if needed. */
  public Path ensure(DatasetId id) {
    return fetch(id).directory();
  }

  /** The training and test images of {@code id}, fetching them if needed. */
  public LoadedDataset load(DatasetId id) {
    return LoadedDataset.read(id.spec(), ensure(id));
  }
}
