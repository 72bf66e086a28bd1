package dev.digitlab.server.pipelines;

import dev.digitlab.server.trials.TrialStore;
import dev.digitlab.server.trials.WaitingReasons;
import org.springframework.stereotype.Component;

/**
 * Why a running step waits: a step that queued a trial (a command or train step) waits for a worker
 * that can take it, and says which ("waiting for a worker with capability command"), on its page
 * and in the API, as the trial's own page does.
 */
@Component
class StepWaits {

  private final TrialStore trials;
  private final WaitingReasons waiting;

  StepWaits(TrialStore trials, WaitingReasons waiting) {
    this.trials = trials;
    this.waiting = waiting;
  }

  /** What {@code step} waits for, or null when it does not wait for a worker. */
  String of(PipelineStep step) {
    if (step.status() != StepStatus.RUNNING || step.trialId() == null) {
      return null;
    }
    // The trial may be gone with its experiment, deleted meanwhile: the step then waits for
    // nothing.
    return trials.find(step.trialId()).map(waiting::waitingFor).orElse(null);
  }
}
