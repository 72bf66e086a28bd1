package dev.digitlab.server.queue;

import dev.digitlab.server.api.ConflictException;

/** A trial was asked to move between two statuses that the transition table does not connect. */
public final class IllegalTrialTransitionException extends ConflictException {

  private static final long serialVersionUID = 1L;

  private final TrialStatus from;
  private final TrialStatus to;

  public IllegalTrialTransitionException(TrialStatus from, TrialStatus to) {
    super(
        "A "
            + from.dbValue()
            + " trial cannot become "
            + to.dbValue()
            + (from.allowedNext().isEmpty()
                ? " (" + from.dbValue() + " is final)"
                : "; it can only become "
                    + String.join(
                        " or ", from.allowedNext().stream().map(TrialStatus::dbValue).toList())));
    this.from = from;
    this.to = to;
  }

  public TrialStatus from() {
    return from;
  }

  public TrialStatus to() {
    return to;
  }
}
