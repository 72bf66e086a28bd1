package dev.digitlab.server.queue;

import dev.digitlab.server.api.ConflictException;

/**
 * The lease a worker presented is no longer the trial's: it expired and the trial was requeued, or
 * the trial was cancelled or finished. The worker must drop the work (the API answers 409).
 */
public final class LeaseLostException extends ConflictException {

  private static final long serialVersionUID = 1L;

  public LeaseLostException(long trialId) {
    super(
        "The lease on trial "
            + trialId
            + " is lost (it expired, or the trial was requeued, cancelled or finished):"
            + " drop this attempt");
  }
}
