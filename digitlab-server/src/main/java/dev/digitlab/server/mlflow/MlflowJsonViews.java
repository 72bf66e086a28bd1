package dev.digitlab.server.mlflow;

import dev.digitlab.server.runs.Run;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** Experiments and runs in MLflow's JSON shapes (snake_case, ids as strings, times in ms). */
final class MlflowJsonViews {

  private MlflowJsonViews() {}

  static ObjectNode object() {
    return MlflowRequest.JSON.createObjectNode();
  }

  static ObjectNode experiment(MlflowExperiment experiment) {
    ObjectNode node = object();
    node.put("experiment_id", Long.toString(experiment.id()));
    node.put("name", experiment.name());
    node.put("artifact_location", experiment.artifactLocation());
    node.put("lifecycle_stage", experiment.lifecycleStage());
    node.put("last_update_time", experiment.lastUpdateTime());
    node.put("creation_time", experiment.creationTime());
    keyValues(node.putArray("tags"), experiment.tags());
    return node;
  }

  static String artifactUri(Run run) {
    return "mlflow-artifacts:/" + run.experimentId() + "/" + run.id() + "/artifacts";
  }

  static ObjectNode info(Run run) {
    ObjectNode info = object();
    info.put("run_id", run.runId());
    info.put("run_uuid", run.runId());
    info.put("run_name", run.name());
    info.put("experiment_id", Long.toString(run.experimentId()));
    if (run.user() != null) {
      info.put("user_id", run.user());
    }
    info.put("status", run.status());
    if (run.startTime() != null) {
      info.put("start_time", run.startTime());
    }
    if (run.endTime() != null) {
      info.put("end_time", run.endTime());
    }
    info.put("artifact_uri", artifactUri(run));
    info.put("lifecycle_stage", run.lifecycleStage());
    return info;
  }

  static ObjectNode run(Run run, List<String> inputs) {
    ObjectNode node = object();
    node.set("info", info(run));
    ObjectNode data = node.putObject("data");
    ArrayNode metrics = data.putArray("metrics");
    run.metrics()
        .forEach(
            (key, metric) ->
                metric(
                    metrics.addObject(), key, metric.value(), metric.timestamp(), metric.step()));
    keyValues(data.putArray("params"), run.params());
    keyValues(data.putArray("tags"), run.tags());
    ArrayNode datasets = node.putObject("inputs").putArray("dataset_inputs");
    for (String input : inputs) {
      try {
        datasets.add(MlflowRequest.JSON.readTree(input));
      } catch (JacksonException e) {
        // stored by log-inputs from a parsed request: always JSON
      }
    }
    return node;
  }

  static void metric(ObjectNode node, String key, double value, long timestamp, long step) {
    node.put("key", key);
    node.put("value", value);
    node.put("timestamp", timestamp);
    node.put("step", step);
  }

  private static void keyValues(ArrayNode array, Map<String, String> values) {
    values.forEach(
        (key, value) -> {
          ObjectNode entry = array.addObject();
          entry.put("key", key);
          entry.put("value", value);
        });
  }
}
