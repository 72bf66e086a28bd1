package dev.digitlab.protocol.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;
import java.util.Set;

/**
 * A line of a trial's log.
 *
 * @param level {@code DEBUG}, {@code INFO}, {@code WARN} or {@code ERROR}
 * @param message at most {@link #MAX_MESSAGE_CHARS} characters; may span lines (a stack trace)
 */
public record LogLine(String level, String message) implements EventPayload {

  /** Longest message; a producer shortens longer text (stack traces) before it gets here. */
  public static final int MAX_MESSAGE_CHARS = 65_536;

  public static final String DEBUG = "DEBUG";
  public static final String INFO = "INFO";
  public static final String WARN = "WARN";
  public static final String ERROR = "ERROR";

  private static final Set<String> LEVELS = Set.of(DEBUG, INFO, WARN, ERROR);

  public LogLine {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(message, "message");
    if (!LEVELS.contains(level)) {
      throw new IllegalArgumentException(
          "log level must be one of DEBUG, INFO, WARN, ERROR, got '" + level + "'");
    }
    if (message.length() > MAX_MESSAGE_CHARS) {
      throw new IllegalArgumentException(
          "log message has " + message.length() + " characters; the limit is " + MAX_MESSAGE_CHARS);
    }
  }

  /** An INFO line. */
  public static LogLine info(String message) {
    return new LogLine(INFO, message);
  }

  /** An ERROR line. */
  public static LogLine error(String message) {
    return new LogLine(ERROR, message);
  }

  @JsonIgnore
  @Override
  public EventType type() {
    return EventType.LOG;
  }
}
