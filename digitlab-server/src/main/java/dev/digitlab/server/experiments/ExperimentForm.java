package dev.digitlab.server.experiments;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.FieldError;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * The new-experiment form: its fields (every {@link TrainingConfig} hyperparameter, found by
 * reflection so a new one shows up by itself), the values a user typed, and the experiment document
 * they make. The document is checked by the same reader as {@code POST /api/v1/experiments}; its
 * errors are keyed back to the form's fields.
 */
final class ExperimentForm {

  static final int SEARCH_ROWS = 4;

  private static final ObjectMapper JSON = Json.mapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Pattern LIST_SEPARATOR = Pattern.compile("[,\\s]+");

  /** What a config field holds, which decides its input and how its text is read. */
  enum Kind {
    INTEGER,
    NUMBER,
    BOOLEAN,
    CHOICE,
    TEXT,
    INTEGER_LIST
  }

  /** One config field of the form. {@code hint} repeats the trainer's rule for it. */
  record Field(String name, Kind kind, List<String> choices, String hint, String defaultValue) {

    public String key() {
      return "config." + name;
    }
  }

  // The trainer's rules (TrainingConfig.violations), said next to the fields they are about.
  static final List<Field> FIELDS = describeFields();

  // Form field → pruner setting: optional numbers, blank for the default.
  private static final String[][] PRUNER_NUMBERS = {
    {"prunerMinEpochs", "minEpochs"},
    {"prunerReductionFactor", "reductionFactor"},
    {"prunerBootstrapCount", "bootstrapCount"}
  };

  private ExperimentForm() {}

  /** The form's values for a fresh experiment: the trainer's defaults. */
  static Map<String, String> defaults() {
    Map<String, String> values = new HashMap<>();
    values.put("name", "");
    values.put("objectiveMetric", "test_f1_macro");
    values.put("objectiveGoal", "max");
    values.put("searchType", "grid");
    values.put("samples", "8");
    values.put("searchSeed", "0");
    values.put("maxParallelTrials", "1");
    values.put("prunerType", "none");
    values.put("prunerMetric", "val_accuracy");
    FIELDS.forEach(f -> values.put(f.key(), f.defaultValue()));
    return values;
  }

  /** The form's values for a copy of a stored experiment's spec. */
  static Map<String, String> from(String specJson, String name) {
    Map<String, String> values = defaults();
    JsonNode spec;
    try {
      spec = JSON.readTree(specJson);
    } catch (tools.jackson.core.JacksonException e) {
      throw new IllegalStateException("a stored spec is not JSON", e);
    }
    values.put("name", name);
    values.put("description", spec.path("description").asString(""));
    List<String> tags = new ArrayList<>();
    spec.path("tags").forEach(t -> tags.add(t.asString()));
    values.put("tags", String.join(", ", tags));
    values.put("config.dataset", spec.path("dataset").asString("mnist"));
    spec.path("config")
        .properties()
        .forEach(e -> values.put("config." + e.getKey(), text(e.getValue())));
    if (spec.has("command")) {
      values.putAll(commandValues(spec));
    }
    values.put("objectiveMetric", spec.path("objective").path("metric").asString("test_f1_macro"));
    values.put("objectiveGoal", spec.path("objective").path("goal").asString("max"));
    if (spec.has("maxParallelTrials")) {
      values.put("maxParallelTrials", spec.path("maxParallelTrials").asString());
    }
    JsonNode search = spec.path("search");
    values.put(
        "searchType", search.isMissingNode() ? "none" : search.path("type").asString("grid"));
    if (search.has("samples")) {
      values.put("samples", search.path("samples").asString());
    }
    if (search.has("maxTrials")) {
      // One field holds the trial budget of either search: random's samples, TPE's maxTrials.
      values.put("samples", search.path("maxTrials").asString());
    }
    JsonNode pruner = spec.path("pruner");
    if (pruner.isObject()) {
      values.put("prunerType", pruner.path("type").asString("none"));
      values.put("prunerMetric", pruner.path("metric").asString("val_accuracy"));
      for (String[] field : PRUNER_NUMBERS) {
        if (pruner.has(field[1])) {
          values.put(field[0], pruner.path(field[1]).asString());
        }
      }
    }
    if (search.has("seed")) {
      values.put("searchSeed", search.path("seed").asString());
    }
    int row = 0;
    for (var parameter : search.path("parameters").properties()) {
      String prefix = "search." + row + ".";
      values.put(prefix + "field", parameter.getKey());
      JsonNode domain = parameter.getValue();
      if (domain.isArray()) {
        values.put(prefix + "kind", "list");
        List<String> items = new ArrayList<>();
        domain.forEach(v -> items.add(text(v)));
        values.put(prefix + "values", String.join(v(domain) ? "; " : ", ", items));
      } else {
        String scale = domain.path("scale").asString("linear");
        boolean integer = "int".equals(domain.path("type").asString(""));
        values.put(prefix + "kind", integer ? "int" : scale.equals("log") ? "log" : "uniform");
        values.put(prefix + "min", domain.path("min").asString());
        values.put(prefix + "max", domain.path("max").asString());
      }
      row++;
    }
    return values;
  }

  /** What a command experiment is: {@code kind=command} and its program's fields. */
  static final String COMMAND = "command";

  /** Whether the values describe a command experiment (a program instead of a built-in model). */
  static boolean isCommand(Map<String, String> values) {
    return COMMAND.equals(values.get("kind"));
  }

  /** A new command experiment's values: a program that shows the shape of one. */
  static Map<String, String> commandDefaults() {
    Map<String, String> values = defaults();
    values.put("kind", COMMAND);
    values.put("command", "python3\ntrain.py\n--alpha\n{alpha}");
    values.put("code", "");
    values.put("timeout", "");
    values.put("parameters", "");
    values.put("objectiveMetric", "rmse");
    values.put("objectiveGoal", "min");
    values.put("search.0.field", "alpha");
    values.put("search.0.kind", "list");
    values.put("search.0.values", "0.1, 0.5, 1.0");
    return values;
  }

  /**
   * A command spec's own fields as form values: one argument a line (no quoting to get wrong), the
   * code reference, the timeout, and each base parameter as a {@code name = value} line.
   */
  private static Map<String, String> commandValues(JsonNode spec) {
    Map<String, String> values = new HashMap<>();
    values.put("kind", COMMAND);
    List<String> argv = new ArrayList<>();
    spec.path("command").forEach(a -> argv.add(a.asString()));
    values.put("command", String.join("\n", argv));
    values.put("code", spec.path("code").asString(""));
    values.put("timeout", spec.has("timeout") ? text(spec.path("timeout")) : "");
    List<String> parameters = new ArrayList<>();
    spec.path("parameters")
        .properties()
        .forEach(e -> parameters.add(e.getKey() + " = " + text(e.getValue())));
    values.put("parameters", String.join("\n", parameters));
    return values;
  }

  /** Writes the command fields into {@code doc}; a line of the command is one argument. */
  private static void command(ObjectNode doc, Map<String, String> values) {
    ArrayNode argv = doc.putArray("command");
    values
        .getOrDefault("command", "")
        .lines()
        .map(String::strip)
        .filter(line -> !line.isEmpty())
        .forEach(argv::add);
    String code = values.getOrDefault("code", "").trim();
    if (!code.isEmpty()) {
      doc.put("code", code);
    }
    String parameters = values.getOrDefault("parameters", "");
    if (!parameters.isBlank()) {
      ObjectNode base = doc.putObject("parameters");
      for (String line : parameters.lines().toList()) {
        if (line.isBlank()) {
          continue;
        }
        int eq = line.indexOf('=');
        // A line without '=' names the parameter with no value: the reader says what it wants.
        String name = (eq < 0 ? line : line.substring(0, eq)).trim();
        base.set(name, eq < 0 ? NODES.nullNode() : typed(line.substring(eq + 1)));
      }
    }
    String timeout = values.getOrDefault("timeout", "").trim();
    if (!timeout.isEmpty()) {
      doc.set("timeout", number(timeout));
    }
  }

  /** A program's value as typed: a number when it reads as one, true/false, else the text. */
  private static JsonNode typed(String text) {
    String t = text.trim();
    if (t.equals("true") || t.equals("false")) {
      return NODES.booleanNode(Boolean.parseBoolean(t));
    }
    return number(t);
  }

  private static boolean v(JsonNode list) {
    // Values that are lists themselves (hidden sizes) are separated by semicolons.
    return list.size() > 0 && list.get(0).isArray();
  }

  private static String text(JsonNode value) {
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      value.forEach(v -> items.add(text(v)));
      return String.join(", ", items);
    }
    if (value.isFloatingPointNumber()) {
      // As a person writes it: Java's Double.toString gives "5.0E-4" for a weight decay of 5e-4.
      String plain = BigDecimal.valueOf(value.doubleValue()).stripTrailingZeros().toPlainString();
      return plain.contains(".") ? plain : plain + ".0";
    }
    return value.asString();
  }

  /** The experiment document (JSON, as the API takes it) that the form's values describe. */
  static String document(Map<String, String> values) {
    ObjectNode doc = NODES.objectNode();
    doc.put("name", values.getOrDefault("name", "").trim());
    String description = values.getOrDefault("description", "").trim();
    if (!description.isEmpty()) {
      doc.put("description", description);
    }
    String tags = values.getOrDefault("tags", "").trim();
    if (!tags.isEmpty()) {
      ArrayNode list = doc.putArray("tags");
      Arrays.stream(tags.split(",")).map(String::trim).filter(t -> !t.isEmpty()).forEach(list::add);
    }
    boolean command = isCommand(values);
    if (command) {
      command(doc, values);
    }
    ObjectNode config = command ? NODES.objectNode() : doc.putObject("config");
    for (Field field : FIELDS) {
      if (command) {
        break;
      }
      String text = values.getOrDefault(field.key(), "").trim();
      if (text.isEmpty()) {
        continue;
      }
      if (field.name().equals("dataset")) {
        doc.put("dataset", text);
        continue;
      }
      config.set(field.name(), value(field, text));
    }
    String type = values.getOrDefault("searchType", "none");
    if (type.equals("grid") || type.equals("random") || type.equals("tpe")) {
      ObjectNode parameters = NODES.objectNode();
      for (int row = 0; row < rows(values); row++) {
        String prefix = "search." + row + ".";
        String name = values.getOrDefault(prefix + "field", "").trim();
        if (name.isEmpty()) {
          continue;
        }
        // A program's parameters are its own, not the trainer's fields.
        Field field = command ? null : field(name);
        String kind = values.getOrDefault(prefix + "kind", "list");
        if (kind.equals("list")) {
          ArrayNode list = parameters.putArray(name);
          String raw = values.getOrDefault(prefix + "values", "");
          // Values that are lists themselves are separated by semicolons, others by commas.
          String separator = field != null && field.kind() == Kind.INTEGER_LIST ? ";" : ",";
          for (String item : raw.split(separator)) {
            if (!item.isBlank()) {
              list.add(
                  command
                      ? typed(item)
                      : field == null ? NODES.stringNode(item.trim()) : value(field, item.trim()));
            }
          }
        } else {
          ObjectNode range = parameters.putObject(name);
          range.set("min", number(values.getOrDefault(prefix + "min", "")));
          range.set("max", number(values.getOrDefault(prefix + "max", "")));
          if (kind.equals("log")) {
            range.put("scale", "log");
          }
          range.put("type", kind.equals("int") ? "int" : "double");
        }
      }
      if (!parameters.isEmpty() || !type.equals("grid")) {
        ObjectNode search = doc.putObject("search");
        search.put("type", type);
        if (type.equals("random")) {
          search.set("samples", number(values.getOrDefault("samples", "")));
          search.set("seed", number(values.getOrDefault("searchSeed", "0")));
        }
        if (type.equals("tpe")) {
          search.set("maxTrials", number(values.getOrDefault("samples", "")));
          search.set("seed", number(values.getOrDefault("searchSeed", "0")));
        }
        search.set("parameters", parameters);
      }
    }
    String prunerType = values.getOrDefault("prunerType", "none");
    if (!prunerType.equals("none")) {
      ObjectNode pruner = doc.putObject("pruner");
      pruner.put("type", prunerType);
      pruner.put("metric", values.getOrDefault("prunerMetric", "val_accuracy").trim());
      // Blank: the reader's default. The reader rejects a setting the chosen rule does not take.
      for (String[] field : PRUNER_NUMBERS) {
        String value = values.getOrDefault(field[0], "").trim();
        if (!value.isEmpty()) {
          pruner.set(field[1], number(value));
        }
      }
    }
    ObjectNode objective = doc.putObject("objective");
    objective.put("metric", values.getOrDefault("objectiveMetric", "test_f1_macro").trim());
    objective.put("goal", values.getOrDefault("objectiveGoal", "max"));
    String parallel = values.getOrDefault("maxParallelTrials", "").trim();
    if (!parallel.isEmpty()) {
      doc.set("maxParallelTrials", number(parallel));
    }
    return doc.toString();
  }

  /** How many search rows the values hold (at least {@link #SEARCH_ROWS}). */
  static int rows(Map<String, String> values) {
    int rows = SEARCH_ROWS;
    while (values.containsKey("search." + rows + ".field")) {
      rows++;
    }
    return rows;
  }

  /**
   * The reader's errors by form key: {@code config.learningRate}, {@code search.2} (the search row
   * of that parameter), or the path itself ({@code name}, {@code search.samples}).
   */
  static Map<String, String> errorsByField(List<FieldError> errors, Map<String, String> values) {
    Map<String, String> byField = new LinkedHashMap<>();
    for (FieldError error : errors) {
      String key = formKey(error.path(), values);
      byField.merge(key, error.message(), (a, b) -> a + "; " + b);
    }
    return byField;
  }

  private static String formKey(String path, Map<String, String> values) {
    String root = path.replaceAll("\\[.*$", "");
    if (root.startsWith("search.parameters.")) {
      String name = root.substring("search.parameters.".length()).replaceAll("\\..*$", "");
      for (int row = 0; row < rows(values); row++) {
        if (name.equals(values.getOrDefault("search." + row + ".field", "").trim())) {
          return "search." + row;
        }
      }
      return "search";
    }
    if (root.equals("dataset")) {
      return "config.dataset";
    }
    if (root.startsWith("config.")) {
      return "config." + root.substring("config.".length()).replaceAll("\\..*$", "");
    }
    if (root.startsWith("objective")) {
      return "objective";
    }
    return root.isEmpty() ? "document" : root;
  }

  static Field field(String name) {
    return FIELDS.stream().filter(f -> f.name().equals(name)).findFirst().orElse(null);
  }

  /**
   * A typed value: numbers as numbers when they read as such, else the text (the reader says why).
   */
  private static JsonNode value(Field field, String text) {
    return switch (field.kind()) {
      case INTEGER, NUMBER -> number(text);
      case BOOLEAN ->
          text.equalsIgnoreCase("true") || text.equalsIgnoreCase("false")
              ? NODES.booleanNode(Boolean.parseBoolean(text))
              : NODES.stringNode(text);
      case INTEGER_LIST -> {
        ArrayNode list = NODES.arrayNode();
        Arrays.stream(LIST_SEPARATOR.split(text.trim()))
            .filter(s -> !s.isEmpty())
            .forEach(s -> list.add(number(s)));
        yield list;
      }
      case CHOICE, TEXT -> NODES.stringNode(text);
    };
  }

  private static JsonNode number(String text) {
    String t = text.trim();
    try {
      return NODES.numberNode(Long.parseLong(t));
    } catch (NumberFormatException notWhole) {
      try {
        return NODES.numberNode(Double.parseDouble(t));
      } catch (NumberFormatException notNumber) {
        return t.isEmpty() ? NODES.nullNode() : NODES.stringNode(t);
      }
    }
  }

  private static List<Field> describeFields() {
    // A new experiment starts from the fast recipe: 99% test accuracy in seconds, so a first
    // experiment gives results while its author watches. Other models are one choice away.
    JsonNode defaults = JSON.valueToTree(TrainingConfig.builder().model(ModelKind.FAST).build());
    List<Field> fields = new ArrayList<>();
    for (RecordComponent component : TrainingConfig.class.getRecordComponents()) {
      Class<?> type = component.getType();
      String name = component.getName();
      Kind kind;
      List<String> choices = List.of();
      if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
        kind = Kind.INTEGER;
      } else if (type == double.class || type == Double.class) {
        kind = Kind.NUMBER;
      } else if (type == boolean.class || type == Boolean.class) {
        kind = Kind.BOOLEAN;
      } else if (type.isEnum()) {
        kind = Kind.CHOICE;
        choices =
            Arrays.stream(type.getEnumConstants())
                .map(c -> JSON.valueToTree(c).asString())
                .toList();
      } else if (type == List.class
          && component.getGenericType() instanceof ParameterizedType list
          && list.getActualTypeArguments()[0] == Integer.class) {
        kind = Kind.INTEGER_LIST;
      } else {
        kind = Kind.TEXT;
      }
      JsonNode value = defaults.path(name);
      String defaultValue = value.isNull() || value.isMissingNode() ? "" : text(value);
      fields.add(
          new Field(
              name, kind, choices, TrainingConfig.RULES.getOrDefault(name, ""), defaultValue));
    }
    return List.copyOf(fields);
  }
}
