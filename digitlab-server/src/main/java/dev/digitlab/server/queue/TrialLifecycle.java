package dev.digitlab.server.queue;

/**
 * What other features learn of a trial's life from the queue, the only writer of trial rows: they
 * react here instead of writing the row themselves. Experiments roll up their figures; retraining
 * gates and registers the model its trial trained.
 */
public interface TrialLifecycle {

  /**
   * Trials of this experiment changed (claimed, ended, requeued, cancelled, added). Called inside
   * the transaction that changed them, after the change, so a roll-up sees it and commits with it.
   */
  default void trialsChanged(long experimentId) {}

  /**
   * A user put a failed or cancelled trial of this experiment back in the queue. Called inside that
   * transaction, before {@link #trialsChanged}: a cancelled experiment reopens here, or the trial
   * would never be claimed.
   */
  default void trialRetried(long experimentId) {}

  /**
   * A trial ended {@code succeeded}, {@code failed}, {@code cancelled} or {@code pruned} (for good:
   * a failure that is retried is not an end). Called after the ending committed, on the thread that
   * ended it; slow work belongs on a thread of the listener's own.
   */
  default void trialEnded(long trialId, long experimentId, TrialStatus status) {}
}
