package dev.digitlab.server.pipelines;

import java.util.Locale;

/** Where a pipeline step is: waiting for its dependencies, waiting for a slot, running, ended. */
public enum StepStatus {
  PENDING,
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  /** A dependency failed or was skipped: this step never ran and never will. */
  SKIPPED;

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == SKIPPED;
  }

  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static StepStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
