package dev.digitlab.server.registry;

import java.util.Map;

/** What registering a trial's model stores; the version number is assigned by the store. */
record NewModelVersion(
    String model,
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
    String description) {}
