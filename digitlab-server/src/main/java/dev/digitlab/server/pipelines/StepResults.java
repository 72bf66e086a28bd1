package dev.digitlab.server.pipelines;

import dev.digitlab.ml.json.Json;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/** Reads and makes the JSON results steps store. */
final class StepResults {

  static final ObjectMapper JSON = Json.mapper();

  private StepResults() {}

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** Puts a number, or null for NaN (JSON has no NaN). */
  static void put(ObjectNode node, String name, double value) {
    if (Double.isNaN(value) || Double.isInfinite(value)) {
      node.putNull(name);
    } else {
      node.put(name, value);
    }
  }

  /** A stored result, or an empty object for none. */
  static JsonNode read(String stored) {
    if (stored == null) {
      return JSON.createObjectNode();
    }
    try {
      return JSON.readTree(stored);
    } catch (JacksonException e) {
      throw new IllegalStateException("a stored step result is not JSON", e);
    }
  }

  /** As plain maps and lists, for the API's own JSON writer. */
  static Object plain(String stored) {
    return stored == null ? null : JSON.convertValue(read(stored), Object.class);
  }

  static Map<String, Object> plainMap(JsonNode node) {
    return JSON.convertValue(
        node, JSON.getTypeFactory().constructMapType(Map.class, String.class, Object.class));
  }
}
