package dev.digitlab.server.pipelines;

import java.util.Locale;

/** A pipeline run: running until every step has ended; then failed if any step failed. */
public enum RunStatus {
  RUNNING,
  SUCCEEDED,
  FAILED;

  public boolean isTerminal() {
    return this != RUNNING;
  }

  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static RunStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
