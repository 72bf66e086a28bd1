package dev.digitlab.server.mlflow;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.ErrorText;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * A request's fields, from a JSON body (POST, PATCH, DELETE) or the query string (GET), read the
 * way MLflow's server reads proto3 JSON: int64 fields as numbers or strings, doubles as numbers or
 * the strings {@code "NaN"}, {@code "Infinity"}, {@code "-Infinity"}; unknown fields ignored.
 * {@code bodyBytes} is the JSON body's size (0 for a query string), for MLflow's request limits.
 * Handlers get one as an argument ({@link MlflowRequestArguments}).
 */
record MlflowRequest(JsonNode fields, int bodyBytes) {

  // The project's one configuration: these are trees and maps, whose shape it does not change.
  static final JsonMapper JSON = Json.mapper();

  static MlflowRequest ofBody(byte[] body) {
    if (body == null || body.length == 0) {
      return new MlflowRequest(JSON.createObjectNode(), 0);
    }
    JsonNode node;
    try {
      node = JSON.readTree(body);
    } catch (JacksonException e) {
      throw MlflowException.badRequest(
          "Malformed JSON in the request body: " + ErrorText.scrub(e.getOriginalMessage()));
    }
    if (node == null || !node.isObject()) {
      throw MlflowException.badRequest("The request body must be a JSON object");
    }
    return new MlflowRequest(node, body.length);
  }

  static MlflowRequest ofQuery(Map<String, String[]> query) {
    ObjectNode node = JSON.createObjectNode();
    query.forEach(
        (name, values) -> {
          if (values.length == 1) {
            node.put(name, values[0]);
          } else {
            ArrayNode array = node.putArray(name);
            for (String value : values) {
              array.add(value);
            }
          }
        });
    return new MlflowRequest(node, 0);
  }

  /** The string field, or null when absent. */
  String string(String name) {
    return string(fields, name);
  }

  /** The string field; a missing one is MLflow's INVALID_PARAMETER_VALUE. */
  String required(String name) {
    String value = string(name);
    if (value == null) {
      throw missing(name);
    }
    return value;
  }

  static MlflowException missing(String name) {
    return MlflowException.invalid(
        "Missing value for required parameter '"
            + name
            + "'. See the API docs for more information about request parameters.");
  }

  static String string(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return null;
    }
    if (value.isContainer()) {
      throw MlflowException.invalid(
          "Invalid value " + value + " for parameter '" + name + "': expected a string");
    }
    return value.asString();
  }

  /** The int64 field, or {@code otherwise} when absent. */
  long int64(String name, long otherwise) {
    return int64(fields, name, otherwise);
  }

  Long int64OrNull(String name) {
    JsonNode value = fields.get(name);
    return value == null || value.isNull() ? null : int64(fields, name, 0);
  }

  static long int64(JsonNode node, String name, long otherwise) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      return otherwise;
    }
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      return value.asLong();
    }
    if (value.isString()) {
      try {
        return Long.parseLong(value.asString().strip());
      } catch (NumberFormatException e) {
        // refused below
      }
    }
    throw MlflowException.invalid(
        "Invalid value " + value + " for parameter '" + name + "': expected an int64");
  }

  /** A double as proto3 JSON has it: a number, or "NaN", "Infinity", "-Infinity" (or a number). */
  static double float64(JsonNode node, String name) {
    JsonNode value = node.get(name);
    if (value == null || value.isNull()) {
      throw missing(name);
    }
    if (value.isNumber()) {
      return value.asDouble();
    }
    if (value.isString()) {
      String text = value.asString().strip();
      switch (text) {
        case "NaN", "nan" -> {
          return Double.NaN;
        }
        case "Infinity", "inf" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity", "-inf" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {
          try {
            return Double.parseDouble(text);
          } catch (NumberFormatException e) {
            // refused below
          }
        }
      }
    }
    throw MlflowException.invalid(
        "Got invalid value " + value + " for metric '" + name + "': expected a number");
  }

  /** The array field's elements (an absent field is empty). */
  List<JsonNode> array(String name) {
    JsonNode value = fields.get(name);
    if (value == null || value.isNull()) {
      return List.of();
    }
    List<JsonNode> elements = new ArrayList<>();
    if (value.isArray()) {
      value.forEach(elements::add);
    } else {
      elements.add(value);
    }
    return elements;
  }

  /** The array field as strings. */
  List<String> strings(String name) {
    List<String> values = new ArrayList<>();
    for (JsonNode element : array(name)) {
      if (element.isContainer()) {
        throw MlflowException.invalid("Invalid value for parameter '" + name + "'");
      }
      values.add(element.asString());
    }
    return values;
  }
}
