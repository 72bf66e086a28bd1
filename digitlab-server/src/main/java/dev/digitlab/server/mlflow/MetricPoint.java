package dev.digitlab.server.mlflow;

import tools.jackson.databind.node.ObjectNode;

/** One logged metric value as MLflow has it: key, value, timestamp (ms) and step. */
record MetricPoint(String key, double value, long timestamp, long step) {

  /** MLflow's order of a key's points for "latest": step, then timestamp, then value. */
  boolean isLaterThan(long otherStep, long otherTimestamp, double otherValue) {
    if (step != otherStep) {
      return step > otherStep;
    }
    if (timestamp != otherTimestamp) {
      return timestamp > otherTimestamp;
    }
    return Double.compare(value, otherValue) > 0;
  }

  /** The point as MLflow's API answers it, naming its run when {@code runId} is not null. */
  ObjectNode json(String runId) {
    ObjectNode node = MlflowJsonViews.object();
    MlflowJsonViews.metric(node, key, value, timestamp, step);
    if (runId != null) {
      node.put("run_id", runId);
    }
    return node;
  }

  /** The event payload: the keys a metric event of a built-in trial has, plus the timestamp. */
  String payload() {
    StringBuilder json = new StringBuilder(80 + key.length());
    json.append("{\"key\":");
    quote(json, key);
    json.append(",\"value\":");
    if (Double.isFinite(value)) {
      json.append(value);
    } else {
      json.append('"').append(value).append('"');
    }
    return json.append(",\"step\":")
        .append(step)
        .append(",\"epoch\":0,\"timestamp\":")
        .append(timestamp)
        .append('}')
        .toString();
  }

  private static void quote(StringBuilder json, String text) {
    json.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
        json.append('\\').append(c);
      } else if (c < 0x20) {
        json.append(String.format("\\u%04x", (int) c));
      } else {
        json.append(c);
      }
    }
    json.append('"');
  }
}
