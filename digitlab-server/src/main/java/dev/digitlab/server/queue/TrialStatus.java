package dev.digitlab.server.queue;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Where a trial is in its life; the allowed moves between statuses are listed here, nowhere else:
 * the queue's SQL takes its status guards from {@link #sqlMove} rather than spelling statuses.
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

  /** This status as a SQL string literal, e.g. {@code 'running'}. */
  String sql() {
    return "'" + dbValue() + "'";
  }

  /**
   * The SQL of a move from one of {@code from} to {@code target}: {@code set} assigns the status,
   * {@code guard} is the WHERE condition that the row is still in one of {@code from}. Refuses a
   * move the transition table does not allow, so a statement cannot move a trial the table forbids.
   */
  static Move sqlMove(TrialStatus target, TrialStatus... from) {
    if (from.length == 0) {
      throw new IllegalArgumentException("a move needs a status to move from");
    }
    StringBuilder guard = new StringBuilder("status IN (");
    for (int i = 0; i < from.length; i++) {
      from[i].checkMoveTo(target);
      guard.append(i == 0 ? "" : ", ").append(from[i].sql());
    }
    return new Move("status = " + target.sql(), guard.append(")").toString());
  }

  /** A status guard for a statement that changes a trial in this status without moving it. */
  String sqlIs() {
    return "status = " + sql();
  }

  /** The SQL of one allowed move (see {@link #sqlMove}). */
  record Move(String set, String guard) {}

  /** The status for a stored value. */
  public static TrialStatus fromDb(String value) {
    return valueOf(value.toUpperCase(Locale.ROOT));
  }
}
