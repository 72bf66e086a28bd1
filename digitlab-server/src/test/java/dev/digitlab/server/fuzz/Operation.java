package dev.digitlab.server.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * One operation of the OpenAPI document: method, path template, its parameters and the body content
 * types it takes.
 */
record Operation(String method, String path, List<Parameter> parameters, List<String> consumes) {

  /** A path, query or header parameter, with what its schema says about its values. */
  record Parameter(String name, String in, String type, List<String> enumValues) {}

  private static final List<String> METHODS = List.of("get", "post", "put", "patch", "delete");

  static List<Operation> all(JsonNode document) {
    List<Operation> operations = new ArrayList<>();
    for (var path : document.get("paths").properties()) {
      for (String method : METHODS) {
        JsonNode operation = path.getValue().get(method);
        if (operation == null) {
          continue;
        }
        List<Parameter> parameters = new ArrayList<>();
        for (JsonNode parameter : operation.path("parameters")) {
          JsonNode schema = parameter.path("schema");
          List<String> values = new ArrayList<>();
          schema.path("enum").forEach(value -> values.add(value.asString()));
          parameters.add(
              new Parameter(
                  parameter.path("name").asString(),
                  parameter.path("in").asString(),
                  schema.path("type").isString() ? schema.path("type").asString() : "string",
                  values));
        }
        List<String> consumes = new ArrayList<>();
        operation
            .path("requestBody")
            .path("content")
            .properties()
            .forEach(content -> consumes.add(content.getKey()));
        operations.add(
            new Operation(method.toUpperCase(Locale.ROOT), path.getKey(), parameters, consumes));
      }
    }
    return operations;
  }

  boolean takesBody() {
    return !consumes.isEmpty() || method.equals("POST") || method.equals("PUT");
  }
}
