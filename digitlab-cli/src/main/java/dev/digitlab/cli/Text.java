package dev.digitlab.cli;

import dev.digitlab.server.web.Figures;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/** How the client commands print values in tables. */
final class Text {

  private Text() {}

  /** The text without its control characters (see {@link #safe}), cut to {@code width}. */
  static String shorten(String text, int width) {
    String safe = safe(text);
    return safe.length() <= width ? safe : safe.substring(0, width - 1) + "…";
  }

  /**
   * Text from the server as it may reach a terminal: every control character escaped ({@code \n},
   * {@code \\r}, {@code \\t}, else a backslash, x or u and the hex code): C0, DEL, C1 and the bidi
   * overrides. A name or log line holding ESC could otherwise drive the terminal, and one holding
   * CR LF fake a row of a table (issue 15).
   */
  static String safe(String text) {
    StringBuilder out = null;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      String escaped = escape(c);
      if (escaped != null && out == null) {
        out = new StringBuilder(text.length() + 8).append(text, 0, i);
      }
      if (out != null) {
        out.append(escaped != null ? escaped : String.valueOf(c));
      }
    }
    return out == null ? text : out.toString();
  }

  /** A text whose lines are printed as they are, each line made {@link #safe}. */
  static String safeLines(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (String line : text.split("\n", -1)) {
      if (!out.isEmpty()) {
        out.append('\n');
      }
      out.append(safe(line));
    }
    return out.toString();
  }

  private static String escape(char c) {
    return switch (c) {
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      default -> {
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
          yield String.format(Locale.ROOT, "\\x%02x", (int) c);
        }
        if ((c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069)) {
          yield String.format(Locale.ROOT, "\\u%04x", (int) c);
        }
        yield null;
      }
    };
  }

  /**
   * A config value as the web pages write it ({@link Figures#value}): {@code 0.000807532} rather
   * than {@code 8.075315011871413E-4}, {@code 1e-5} for tiny numbers, {@code 64} for a whole one;
   * anything that is not a number as its JSON.
   */
  static String value(JsonNode value) {
    return value.isNumber() ? Figures.value(value.numberValue()) : value.toString();
  }

  /** A metric with four decimals, or "-" when there is none yet. */
  static String number(JsonNode value) {
    return value.isNumber() ? number(value.asDouble()) : "-";
  }

  /** A metric with four decimals. */
  static String number(double value) {
    return String.format(Locale.ROOT, "%.4f", value);
  }
}
