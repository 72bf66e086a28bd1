package dev.digitlab.server.queue;

import dev.digitlab.server.api.ConflictException;

/**
 * A trial was not in the status a change expected: someone else changed it first (the API answers
 * 409).
 */
public final class TrialStatusConflictException extends ConflictException {

  private static final long serialVersionUID = 1L;

  public TrialStatusConflictException(long trialId, TrialStatus expected, TrialStatus actual) {
    super(
        "Trial "
            + trialId
            + " is "
            + actual.dbValue()
            + ", not "
            + expected.dbValue()
            + " any more: it changed meanwhile");
  }
}
