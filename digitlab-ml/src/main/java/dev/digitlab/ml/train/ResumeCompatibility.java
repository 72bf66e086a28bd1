package dev.digitlab.ml.train;

import dev.digitlab.ml.json.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Decides whether a checkpoint may be resumed under a config: every field must match except {@code
 * epochs}, which may grow (train longer) but not fall below the epochs already done.
 */
final class ResumeCompatibility {

  private static final ObjectMapper JSON = Json.mapper();

  private ResumeCompatibility() {}

  static void check(Path file, TrainingConfig saved, TrainingConfig requested) {
    ObjectNode a = JSON.valueToTree(saved);
    ObjectNode b = JSON.valueToTree(requested);
    a.remove("epochs");
    b.remove("epochs");
    List<String> differences = new ArrayList<>();
    for (String name : a.propertyNames()) {
      JsonNode mine = a.get(name);
      JsonNode theirs = b.get(name);
      if (!mine.equals(theirs)) {
        differences.add(name + " (checkpoint " + mine + ", now " + theirs + ")");
      }
    }
    if (!differences.isEmpty()) {
      throw new IllegalArgumentException(
          "checkpoint "
              + file
              + " was written for a different config: "
              + String.join(", ", differences)
              + "; resume with the checkpoint's config or start a new run");
    }
  }
}
