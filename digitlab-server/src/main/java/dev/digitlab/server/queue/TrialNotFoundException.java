package dev.digitlab.server.queue;

import dev.digitlab.server.api.NotFoundException;

/** No trial has this id (it never existed, or its experiment was deleted). */
public final class TrialNotFoundException extends NotFoundException {

  private static final long serialVersionUID = 1L;

  public TrialNotFoundException(long trialId) {
    super("There is no trial " + trialId);
  }
}
