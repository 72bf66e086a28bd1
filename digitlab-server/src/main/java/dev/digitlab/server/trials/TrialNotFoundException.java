package dev.digitlab.server.trials;

/** No trial has this id (it never existed, or its experiment was deleted). */
public final class TrialNotFoundException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public TrialNotFoundException(long trialId) {
    super("There is no trial " + trialId);
  }
}
