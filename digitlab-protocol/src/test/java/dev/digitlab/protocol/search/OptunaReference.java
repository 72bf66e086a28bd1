package dev.digitlab.protocol.search;

import dev.digitlab.ml.json.Json;
import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The reference values Optuna computed (test resources {@code optuna/*.json}, written by {@code
 * bench/optuna-reference.sh} with the Optuna named in each file).
 */
final class OptunaReference {

  private OptunaReference() {}

  static JsonNode read(String name) {
    try (InputStream in = OptunaReference.class.getResourceAsStream("/optuna/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test resource optuna/" + name);
      }
      return Json.mapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A space as the script describes it, in its order. */
  static Map<String, Distribution> space(JsonNode node) {
    Map<String, Distribution> space = new LinkedHashMap<>();
    for (var entry : node.properties()) {
      JsonNode d = entry.getValue();
      space.put(
          entry.getKey(),
          switch (d.get("type").asString()) {
            case "categorical" -> new Categorical(d.get("size").asInt());
            case "float" ->
                new FloatRange(
                    d.get("low").asDouble(), d.get("high").asDouble(), d.get("log").asBoolean());
            case "int" ->
                new IntRange(
                    d.get("low").asLong(), d.get("high").asLong(), d.get("log").asBoolean());
            default -> throw new IllegalArgumentException(d.toString());
          });
    }
    return space;
  }

  static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }
}
