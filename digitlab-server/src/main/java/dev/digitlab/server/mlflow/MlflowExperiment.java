package dev.digitlab.server.mlflow;

import java.util.Map;

/** An experiment as MLflow shows it; times in epoch milliseconds. */
record MlflowExperiment(
    long id,
    String name,
    String owner,
    String lifecycleStage,
    long creationTime,
    long lastUpdateTime,
    Map<String, String> tags) {

  MlflowExperiment {
    tags = Map.copyOf(tags);
  }

  String artifactLocation() {
    return "mlflow-artifacts:/" + id;
  }
}
