package dev.digitlab.protocol.event;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A program's report of a metric on its standard output: {@code metric NAME=VALUE [step=N]}, the
 * format pipeline command steps and command trials share (moved here from the server's pipelines so
 * that a worker parses it the same way).
 *
 * @param name as written; whether it is a valid {@link MetricPoint} key is the reader's concern
 * @param step the step the program gave, or null when it gave none
 */
public record MetricLine(String name, double value, Long step) {

  /** One line: {@code metric}, the name, {@code =}, a number (NaN and infinities too), a step. */
  public static final Pattern PATTERN =
      Pattern.compile(
          "^\\s*metric\\s+([A-Za-z_][A-Za-z0-9_.\\-/]*)=([-+0-9.eEinfINFaN]+)(?:\\s+step=(\\d+))?\\s*$");

  /** The metric a line reports; empty for any other line, or a value that is not a number. */
  public static Optional<MetricLine> parse(String line) {
    if (line == null || !line.contains("metric")) {
      return Optional.empty();
    }
    Matcher m = PATTERN.matcher(line);
    if (!m.matches()) {
      return Optional.empty();
    }
    double value;
    try {
      value = Double.parseDouble(m.group(2));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    Long step = null;
    if (m.group(3) != null) {
      try {
        step = Long.parseLong(m.group(3));
      } catch (NumberFormatException e) {
        return Optional.empty();
      }
    }
    return Optional.of(new MetricLine(m.group(1), value, step));
  }
}
