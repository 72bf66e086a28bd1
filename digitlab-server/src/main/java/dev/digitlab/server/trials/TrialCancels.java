package dev.digitlab.server.trials;

import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.queue.TrialStatusConflictException;
import org.springframework.stereotype.Component;

/**
 * Cancelling one trial through the queue, for {@code POST /api/v1/trials/{id}/cancel} and the runs
 * table's bulk cancel alike: a queued trial moves to cancelled at once; a running one is asked to
 * stop, and its worker ends it within about a second. The caller has checked who may.
 */
@Component
class TrialCancels {

  /** What cancelling did. */
  enum Outcome {
    /** The trial is cancelled (now, or it already was). */
    CANCELLED,
    /** The trial runs, and its worker was asked to stop it. */
    STOPPING
  }

  private final TrialStore trials;
  private final TrialMoves moves;

  TrialCancels(TrialStore trials, TrialMoves moves) {
    this.trials = trials;
    this.moves = moves;
  }

  /**
   * Why a run logged through the MLflow API is not cancelled here: no worker of ours runs it, so a
   * request to stop would never be read (the run stayed running, its request pending, for ever).
   */
  static String notOurs(long id) {
    return "Trial "
        + id
        + " is a run logged through the MLflow API: it "
        + ExternalTrials.HOW_A_RUN_ENDS;
  }

  /** Whether a trial in this status can be cancelled (or already is). */
  static boolean cancellable(TrialStatus status) {
    return status == TrialStatus.QUEUED
        || status == TrialStatus.RUNNING
        || status == TrialStatus.CANCELLED;
  }

  /**
   * Cancels the trial; a {@link ConflictException} when it already finished (succeeded, failed or
   * pruned: there is nothing to cancel) or keeps changing.
   */
  Outcome cancel(long id) {
    if (ExternalTrials.KIND.equals(trials.get(id).kind())) {
      throw new ConflictException(notOurs(id));
    }
    // A few rounds, because a queued trial can be claimed (or a running one finish) meanwhile.
    for (int round = 0; round < 3; round++) {
      Trial trial = trials.get(id);
      switch (trial.status()) {
        case QUEUED -> {
          try {
            moves.transition(id, TrialStatus.QUEUED, TrialStatus.CANCELLED);
            return Outcome.CANCELLED;
          } catch (TrialStatusConflictException changed) {
            // claimed meanwhile: look again
          }
        }
        case RUNNING -> {
          if (moves.requestCancel(id)) {
            return Outcome.STOPPING;
          }
        }
        case CANCELLED -> {
          return Outcome.CANCELLED;
        }
        case SUCCEEDED, FAILED, PRUNED ->
            throw new ConflictException(
                "Trial "
                    + id
                    + " already finished ("
                    + trial.status().dbValue()
                    + "); there is nothing to cancel.");
      }
    }
    throw new ConflictException("Trial " + id + " keeps changing; try to cancel it again.");
  }
}
