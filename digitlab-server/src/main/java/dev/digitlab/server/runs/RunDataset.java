package dev.digitlab.server.runs;

import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A dataset a run logged ({@code runs/log-inputs}), as {@code datasets.*} search clauses see it:
 * its {@code name} and {@code digest}, and its input's context (the input tag {@code
 * mlflow.data.context}, e.g. {@code training}); each null when the client did not send it.
 */
public record RunDataset(String name, String digest, String context) {

  /** The input tag MLflow keeps a dataset's context in, and {@code datasets.context} compares. */
  public static final String CONTEXT_TAG = "mlflow.data.context";

  /**
   * The dataset a stored input ({@code {"dataset": {...}, "tags": [...]}}) logged, or null for an
   * input without one.
   */
  public static RunDataset of(JsonNode input) {
    JsonNode dataset = input.path("dataset");
    if (!dataset.isObject()) {
      return null; // MLflow's server refuses an input without a dataset
    }
    String context = null;
    for (JsonNode tag : input.path("tags")) {
      if (CONTEXT_TAG.equals(text(tag.get("key")))) {
        context = text(tag.get("value"));
        break;
      }
    }
    return new RunDataset(text(dataset.get("name")), text(dataset.get("digest")), context);
  }

  /**
   * What makes two inputs of a run one dataset for MLflow's server, its name and digest: the run
   * keeps the first input of each.
   */
  public List<String> key() {
    return Arrays.asList(name, digest);
  }

  private static String text(JsonNode node) {
    return node == null || node.isNull() || node.isContainer() ? null : node.asString();
  }

  /** The value {@code datasets.<key>} compares: {@code name}, {@code digest} or {@code context}. */
  String get(String key) {
    return switch (key) {
      case "name" -> name;
      case "digest" -> digest;
      case "context" -> context;
      default -> null;
    };
  }
}
