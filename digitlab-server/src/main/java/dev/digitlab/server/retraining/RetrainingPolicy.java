package dev.digitlab.server.retraining;

import java.time.Instant;

/**
 * When and how a model retrains on its feedback.
 *
 * @param threshold unused labelled images that start a retraining (default 10)
 * @param baseDataset the dataset whose training set the feedback is added to (default mnist)
 * @param gateTolerance how much lower the new version's accuracy on the base test set may be than
 *     production's and still be promoted (default 0.005, half a point)
 * @param runningExperiment the retraining in progress, if any
 */
public record RetrainingPolicy(
    String model,
    boolean enabled,
    int threshold,
    String baseDataset,
    double gateTolerance,
    Long runningExperiment,
    Instant updatedAt) {

  static final int DEFAULT_THRESHOLD = 10;
  static final String DEFAULT_DATASET = "mnist";
  static final double DEFAULT_TOLERANCE = 0.005;

  /** The policy of a model nobody configured: off. */
  static RetrainingPolicy defaults(String model) {
    return new RetrainingPolicy(
        model, false, DEFAULT_THRESHOLD, DEFAULT_DATASET, DEFAULT_TOLERANCE, null, null);
  }
}
