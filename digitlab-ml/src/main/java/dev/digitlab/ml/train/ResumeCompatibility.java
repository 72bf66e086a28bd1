package dev.digitlab.ml.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decides whether a checkpoint may be resumed under a config: every field must match except {@code
 * epochs}, which may grow (train longer) but not fall below the epochs already done.
 */
final class ResumeCompatibility {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ResumeCompatibility() {}

  static void check(Path file, TrainingConfig saved, TrainingConfig requested) {
    ObjectNode a = JSON.valueToTree(saved);
    ObjectNode b = JSON.valueToTree(requested);
    a.remove("epochs");
    b.remove("epochs");
    List<String> differences = new ArrayList<>();
    for (Iterator<String> names = a.fieldNames(); names.hasNext(); ) {
      String name = names.next();
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
