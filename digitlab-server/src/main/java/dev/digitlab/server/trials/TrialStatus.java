package dev.digitlab.server.trials;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a trial is in its life; the allowed moves between statuses are listed here, nowhere else.
 */
public enum TrialStatus {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  /** Stopped early by the experiment's pruner; its curves and checkpoints stay. */
  PRUNED;

  /** True once the trial has stopped: nothing runs it until someone retries it. */
  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == PRUNED;
  }

  /** Whether a trial in this status may move to {@code target}. */
  public boolean canMoveTo(TrialStatus target) {
    return allowedNext().contains(target);
  }

  /** Refuses a move the table does not allow. */
  public void checkMoveTo(TrialStatus target) {
    if (!canMoveTo(target)) {
      throw new IllegalTrialTransitionException(this, target);
    }
  }

  /** The transition table: the statuses this one may move to. */
  public Set<TrialStatus> allowedNext() {
    return switch (this) {
      // claimed by a worker, or cancelled before it started
      case QUEUED -> EnumSet.of(RUNNING, CANCELLED);
      // back to queued when its lease expired: the next attempt waits its turn
      // pruned: stopped by the experiment's pruner after a report
      case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, CANCELLED, PRUNED, QUEUED);
      // a user may retry a failed, cancelled or pruned trial
      case FAILED, CANCELLED, PRUNED -> EnumSet.of(QUEUED);
      // a success is final: its results are what the experiment reports
      case SUCCEEDED -> EnumSet.noneOf(TrialStatus.class);
    };
  }

  /** The value stored in the database and shown in the API: {@code queued}, {@code running}... */
  public String dbValue() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The status for a stored value. */
  public static TrialStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
