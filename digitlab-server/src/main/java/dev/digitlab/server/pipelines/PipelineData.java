package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.ml.data.FetchResult;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.server.datasets.DatasetRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The datasets the in-server steps (ingest, split, eda, benchmark) read: the same data home as the
 * embedded worker ({@code digitlab.worker.data-home}, else {@code digitlab.home}). A loaded dataset
 * is kept, so the steps of a pipeline read its files once.
 */
@Component
class PipelineData {

  private final DatasetStore store;
  private final DatasetRegistry registry;
  private final Map<DatasetId, LoadedDataset> loaded = new ConcurrentHashMap<>();

  PipelineData(
      @Value("${digitlab.worker.data-home:${digitlab.home}}") Path dataHome,
      DatasetRegistry registry) {
    this.store = new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE));
    this.registry = registry;
  }

  /** Fetches (when missing) and verifies the dataset's files. */
  FetchResult fetch(DatasetId id) {
    return store.fetch(id);
  }

  LoadedDataset load(DatasetId id) {
    return loaded.computeIfAbsent(id, store::load);
  }

  /**
   * The test images of the dataset a model was trained on: a built-in one, or one users registered
   * (a pipeline's train step may name either).
   */
  ImageSet testSet(String name) {
    return registry
        .find(name)
        .map(entry -> RegisteredDataset.read(registry.directory(entry.dataset())).test())
        .orElseGet(() -> load(DatasetId.byName(name)).test());
  }

  /**
   * The registered dataset a step's parameters name by the digest its submission recorded ({@link
   * PipelineDatasets}); empty for a built-in dataset.
   *
   * @throws IllegalStateException (failing the step, saying why) when no registration has that
   *     digest any more
   */
  Optional<RegisteredDataset> registered(JsonNode parameters) {
    String sha = parameters.path("datasetSha256").asString(null);
    if (sha == null) {
      return Optional.empty();
    }
    return Optional.of(
        registry
            .byDigest(sha)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "dataset '"
                            + parameters.path("dataset").asString()
                            + "' (digest "
                            + sha
                            + ") is no longer registered on this server; register its files"
                            + " again with 'digitlab data add'")));
  }

  /** The folder of a registered dataset's four files on this server. */
  Path directory(RegisteredDataset dataset) {
    return registry.directory(dataset);
  }

  /**
   * The dataset a step's parameters name: a built-in one (kept once read), or a registered one by
   * its recorded digest. A registered one is read afresh by each step rather than kept: there may
   * be many, each up to {@code digitlab.limits.max-dataset-size}, and they are small to read.
   */
  LoadedDataset load(JsonNode parameters) {
    return registered(parameters)
        .map(dataset -> RegisteredDataset.read(directory(dataset)))
        .orElseGet(() -> load(dataset(parameters)));
  }

  static DatasetId dataset(JsonNode parameters) {
    return DatasetId.byName(parameters.path("dataset").asString("mnist"));
  }
}
