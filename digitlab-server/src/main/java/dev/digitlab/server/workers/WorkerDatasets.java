package dev.digitlab.server.workers;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.server.datasets.DatasetRegistry;
import dev.digitlab.worker.run.DatasetSource;
import java.nio.file.Path;
import java.util.Optional;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Where the embedded worker's trials find their images: the server's own datasets ({@link
 * ServerDatasets}) first, then those users registered (read straight from the server's store), then
 * the data home's built-in ones, fetched on first use.
 */
@Component
class WorkerDatasets implements DatasetSource {

  private final ObjectProvider<ServerDatasets> serverDatasets;
  private final DatasetStore store;
  private final DatasetRegistry registry;

  WorkerDatasets(
      WorkerSettings settings,
      ObjectProvider<ServerDatasets> serverDatasets,
      DatasetRegistry registry,
      @Value("${digitlab.home}") Path home) {
    this.serverDatasets = serverDatasets;
    this.registry = registry;
    Path dataHome = settings.dataHome() == null ? home : settings.dataHome();
    this.store = new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE));
  }

  @Override
  public LoadedDataset load(String name) {
    return serverDatasets
        .orderedStream()
        .map(datasets -> datasets.load(name))
        .flatMap(Optional::stream)
        .findFirst()
        .or(
            () ->
                registry
                    .find(name)
                    .map(entry -> RegisteredDataset.read(registry.directory(entry.dataset()))))
        .orElseGet(() -> store.load(DatasetId.byName(name)));
  }
}
