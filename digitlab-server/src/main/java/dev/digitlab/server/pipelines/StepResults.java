package dev.digitlab.server.pipelines;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/** Reads and makes the JSON results steps store. */
final class StepResults {

  static final ObjectMapper JSON = new ObjectMapper();

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
    } catch (JsonProcessingException e) {
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
