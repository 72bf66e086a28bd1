package dev.digitlab.protocol.experiment;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.ConfigViolation;
import dev.digitlab.ml.train.InvalidConfigException;
import dev.digitlab.ml.train.TrainingConfig;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The fields of {@link TrainingConfig} under their API names, and how to read one value. Values go
 * through Jackson and the config's own builder, so every field works without a switch here.
 */
final class ConfigFields {

  /** What a field holds, for messages and for deciding which ranges it accepts. */
  enum Kind {
    INTEGER("a whole number"),
    NUMBER("a number"),
    BOOLEAN("true or false"),
    TEXT("text"),
    CHOICE("one of the listed names"),
    INTEGER_LIST("a list of whole numbers");

    final String description;

    Kind(String description) {
      this.description = description;
    }
  }

  /** One field: its name, kind and, for enums, the names it accepts. */
  record Field(String name, Kind kind, List<String> choices) {

    String expected() {
      return kind == Kind.CHOICE ? "one of " + String.join(", ", choices) : kind.description;
    }
  }

  /** A value in its canonical form (e.g. {@code "ADAM"} becomes {@code "adam"}), or its problem. */
  record FieldValue(JsonNode value, String problem) {

    boolean ok() {
      return problem == null;
    }
  }

  // Strict where a silent conversion would change what the user asked for (64.5 → 64).
  private static final ObjectMapper MAPPER =
      Json.builder()
          .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
          .build();

  private static final Map<String, Field> FIELDS = describeFields();

  private ConfigFields() {}

  static Set<String> names() {
    return FIELDS.keySet();
  }

  static Field field(String name) {
    return FIELDS.get(name);
  }

  /** Reads one field's value on its own, as if the rest of the config took its defaults. */
  static FieldValue read(String field, JsonNode value) {
    ObjectNode single = MAPPER.createObjectNode();
    single.set(field, value);
    try {
      TrainingConfig config = MAPPER.treeToValue(single, TrainingConfig.class);
      return new FieldValue(tree(config).get(field), null);
    } catch (RuntimeException e) {
      return new FieldValue(null, describe(FIELDS.get(field), value, e));
    }
  }

  /** The config's JSON form, one property per field (nulls included). */
  static ObjectNode tree(TrainingConfig config) {
    return MAPPER.valueToTree(config);
  }

  /** The config a tree describes; every value in it must already have been {@link #read}. */
  static TrainingConfig config(ObjectNode tree) {
    try {
      return MAPPER.treeToValue(tree, TrainingConfig.class);
    } catch (JacksonException e) {
      throw new IllegalStateException("config values were checked one by one: " + tree, e);
    }
  }

  /** The field a violation is about: {@code hiddenSizes} for {@code hiddenSizes[1]}. */
  static String root(ConfigViolation violation) {
    String field = violation.field();
    int bracket = field.indexOf('[');
    return bracket < 0 ? field : field.substring(0, bracket);
  }

  private static String describe(Field field, JsonNode value, Throwable e) {
    // The config's enums explain themselves ("must be one of sgd, adam, …"); use their words.
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InvalidConfigException invalid && !invalid.violations().isEmpty()) {
        return invalid.violations().getFirst().message();
      }
    }
    String shown = value.isString() ? "'" + value.asString() + "'" : value.toString();
    return "must be " + field.expected() + ", got " + shown;
  }

  private static Map<String, Field> describeFields() {
    Map<String, Field> fields = new LinkedHashMap<>();
    for (RecordComponent component : TrainingConfig.class.getRecordComponents()) {
      fields.put(component.getName(), describeField(component));
    }
    return fields;
  }

  private static Field describeField(RecordComponent component) {
    Class<?> type = component.getType();
    String name = component.getName();
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return new Field(name, Kind.INTEGER, List.of());
    }
    if (type == double.class || type == Double.class) {
      return new Field(name, Kind.NUMBER, List.of());
    }
    if (type == boolean.class || type == Boolean.class) {
      return new Field(name, Kind.BOOLEAN, List.of());
    }
    if (type.isEnum()) {
      List<String> choices =
          Arrays.stream(type.getEnumConstants())
              .map(constant -> MAPPER.valueToTree(constant).asString())
              .collect(Collectors.toUnmodifiableList());
      return new Field(name, Kind.CHOICE, choices);
    }
    if (type == List.class
        && component.getGenericType() instanceof ParameterizedType list
        && list.getActualTypeArguments()[0] == Integer.class) {
      return new Field(name, Kind.INTEGER_LIST, List.of());
    }
    if (type == String.class) {
      return new Field(name, Kind.TEXT, List.of());
    }
    // A new kind of field must be taught here rather than read by guesswork.
    throw new IllegalStateException("TrainingConfig." + name + " has an unsupported type " + type);
  }
}
