package dev.digitlab.server.registry;

import java.time.Instant;
import java.util.Map;

/**
 * An immutable version of a registered model: its weights (a file in the registry, identified by
 * its SHA-256), the config that built it, its preprocessing, its metrics and where it came from.
 *
 * @param config the training config as JSON (architecture and every hyperparameter)
 * @param metrics the trial's last metrics as JSON
 * @param datasetDigests SHA-256 of each file of the dataset it was trained on, by file name
 */
public record ModelVersion(
    String model,
    int version,
    String architecture,
    String config,
    String preprocessing,
    String artifactSha256,
    Double testAccuracy,
    Double testF1Macro,
    String metrics,
    Long experimentId,
    Long trialId,
    String dataset,
    Map<String, String> datasetDigests,
    String description,
    VersionStatus status,
    Instant createdAt) {

  public ModelVersion {
    datasetDigests = Map.copyOf(datasetDigests);
  }
}
