package dev.digitlab.ml.train;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parses the lower-case names of a config enum, naming the allowed values on a mistake. */
final class ConfigChoice {

  private ConfigChoice() {}

  static <E extends Enum<E>> E parse(Class<E> type, String field, String value) {
    for (E constant : type.getEnumConstants()) {
      if (configName(constant).equals(value == null ? null : value.toLowerCase(Locale.ROOT))) {
        return constant;
      }
    }
    String allowed =
        Arrays.stream(type.getEnumConstants())
            .map(ConfigChoice::configName)
            .collect(Collectors.joining(", "));
    throw new InvalidConfigException(
        new ConfigViolation(field, "must be one of " + allowed + ", got '" + value + "'"));
  }

  static String configName(Enum<?> constant) {
    return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
