package dev.digitlab.server.mlflow;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * MLflow's {@code order_by} for registry searches, over the JSON a search answers with: keys {@code
 * name}, {@code version_number} (versions), {@code creation_timestamp} (or {@code timestamp}) and
 * {@code last_updated_timestamp}, each {@code ASC} or {@code DESC}. As MLflow's SQL registry store:
 * model versions without an order come newest first ({@code last_updated_timestamp DESC, name ASC,
 * version_number DESC}), and a search always ends with name ascending and, for versions, version
 * descending, so that a script taking the first version it finds gets the latest one.
 */
final class MlflowRegistryOrder {

  private static final List<String> VERSION_DEFAULT =
      List.of("last_updated_timestamp DESC", "name ASC", "version_number DESC");

  private MlflowRegistryOrder() {}

  /** The order of a model-versions search. */
  static Comparator<JsonNode> versions(List<String> orderBy) {
    return parse(orderBy.isEmpty() ? VERSION_DEFAULT : orderBy, true);
  }

  /** The order of a registered-models search. */
  static Comparator<JsonNode> models(List<String> orderBy) {
    return parse(orderBy, false);
  }

  private static Comparator<JsonNode> parse(List<String> orderBy, boolean versions) {
    List<Comparator<JsonNode>> keys = new ArrayList<>();
    Set<String> seen = new LinkedHashSet<>();
    for (String entry : orderBy) {
      String[] words = entry.strip().split("\\s+");
      String key = words[0].replaceFirst("^(attributes?|attr)\\.", "");
      key = key.equals("timestamp") ? "creation_timestamp" : key;
      boolean ascending = words.length < 2 || !words[1].equalsIgnoreCase("desc");
      if (words.length > 2
          || words.length == 2 && !words[1].matches("(?i)asc|desc")
          || !valid(key, versions)) {
        throw MlflowException.invalid(
            "Invalid order_by clause '"
                + entry
                + "': valid keys are name, "
                + (versions ? "version_number, " : "")
                + "creation_timestamp and last_updated_timestamp, each ASC or DESC");
      }
      if (!seen.add(key)) {
        throw MlflowException.invalid("`order_by` contains duplicate fields: " + orderBy);
      }
      keys.add(key(key, ascending));
    }
    if (!seen.contains("name")) {
      keys.add(key("name", true));
    }
    if (versions && !seen.contains("version_number")) {
      keys.add(key("version_number", false));
    }
    return keys.stream().reduce(Comparator::thenComparing).orElseThrow();
  }

  private static boolean valid(String key, boolean versions) {
    return switch (key) {
      case "name", "creation_timestamp", "last_updated_timestamp" -> true;
      case "version_number" -> versions;
      default -> false;
    };
  }

  private static Comparator<JsonNode> key(String key, boolean ascending) {
    Comparator<JsonNode> order =
        switch (key) {
          case "name" -> Comparator.comparing(node -> node.path("name").asString(""));
          case "version_number" ->
              Comparator.comparingLong(node -> Long.parseLong(node.path("version").asString("0")));
          default -> Comparator.comparingLong(node -> node.path(key).asLong(0));
        };
    return ascending ? order : order.reversed();
  }
}
