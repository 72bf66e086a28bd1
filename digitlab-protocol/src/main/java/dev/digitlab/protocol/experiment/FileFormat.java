package dev.digitlab.protocol.experiment;

import java.util.Locale;

/** The syntax of an experiment document; {@link #AUTO} takes JSON when it starts with '{'. */
public enum FileFormat {
  YAML,
  JSON,
  AUTO;

  /** The format a file name suggests: {@code .json}, {@code .yaml}/{@code .yml}, else AUTO. */
  public static FileFormat fromFileName(String fileName) {
    String lower = fileName.toLowerCase(Locale.ROOT);
    if (lower.endsWith(".json")) {
      return JSON;
    }
    if (lower.endsWith(".yaml") || lower.endsWith(".yml")) {
      return YAML;
    }
    return AUTO;
  }

  /** This format, or for AUTO the one the text looks like. */
  FileFormat resolve(CharSequence text) {
    if (this != AUTO) {
      return this;
    }
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      // A byte-order mark is not content; skip it like whitespace.
      if (!Character.isWhitespace(c) && c != '\uFEFF') {
        return c == '{' ? JSON : YAML;
      }
    }
    return YAML;
  }
}
