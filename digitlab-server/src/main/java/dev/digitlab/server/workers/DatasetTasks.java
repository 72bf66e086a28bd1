package dev.digitlab.server.workers;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.worker.DatasetTask;
import dev.digitlab.server.datasets.DatasetRegistry;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;

/**
 * The registered dataset a built-in trial's lease names ({@code LeaseGrant#dataset}): the one whose
 * digest the experiment's spec keeps, so that a worker trains on exactly the files the experiment
 * was submitted with.
 */
@Component
class DatasetTasks {

  private final JdbcClient jdbc;
  private final DatasetRegistry registry;

  DatasetTasks(JdbcClient jdbc, DatasetRegistry registry) {
    this.jdbc = jdbc;
    this.registry = registry;
  }

  /** The dataset task of an experiment's trials; null when it trains on a built-in dataset. */
  DatasetTask task(long experimentId) {
    String specJson =
        jdbc.sql("SELECT spec FROM experiment WHERE id = :id")
            .param("id", experimentId)
            .query(String.class)
            .single();
    JsonNode spec = Json.mapper().readTree(specJson);
    String sha = spec.path("datasetSha256").asString(null);
    if (sha == null) {
      return null;
    }
    String name = spec.path("dataset").asString("");
    // Deleting a dataset an experiment uses is refused, so its files are there.
    RegisteredDataset dataset =
        registry
            .byDigest(sha)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        "experiment " + experimentId + "'s dataset " + sha + " is not registered"));
    return new DatasetTask(name, sha, dataset.fileSha256(), dataset.classes());
  }
}
