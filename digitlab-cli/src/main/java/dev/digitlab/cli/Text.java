package dev.digitlab.cli;

import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** How the client commands print values in tables. */
final class Text {

  private Text() {}

  static String shorten(String text, int width) {
    return text.length() <= width ? text : text.substring(0, width - 1) + "…";
  }

  /** A metric with four decimals, or "-" when there is none yet. */
  static String number(JsonNode value) {
    return value.isNumber() ? String.format(Locale.ROOT, "%.4f", value.asDouble()) : "-";
  }
}
