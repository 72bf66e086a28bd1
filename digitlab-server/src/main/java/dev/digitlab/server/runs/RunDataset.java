package dev.digitlab.server.runs;

/**
 * A dataset a run logged ({@code runs/log-inputs}), as {@code datasets.*} search clauses see it:
 * its {@code name} and {@code digest}, and its input's context (the input tag {@code
 * mlflow.data.context}, e.g. {@code training}); each null when the client did not send it.
 */
public record RunDataset(String name, String digest, String context) {

  /** The input tag MLflow keeps a dataset's context in, and {@code datasets.context} compares. */
  public static final String CONTEXT_TAG = "mlflow.data.context";

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
