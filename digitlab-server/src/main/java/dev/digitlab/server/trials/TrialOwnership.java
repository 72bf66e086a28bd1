package dev.digitlab.server.trials;

import dev.digitlab.server.queue.TrialNotFoundException;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/**
 * Who may change a trial (cancel, retry, write events into it): whoever may change its experiment,
 * which owns it.
 */
@Component
public class TrialOwnership {

  private final TrialStore trials;
  private final Ownership ownership;

  TrialOwnership(TrialStore trials, Ownership ownership) {
    this.trials = trials;
    this.ownership = ownership;
  }

  /**
   * A 403 ({@link dev.digitlab.server.security.NotOwnerException}) unless the caller owns the
   * trial's experiment or is an admin; a 404 if the experiment went meanwhile. Call it before
   * changing anything.
   */
  public void checkMayChange(Trial trial, HttpServletRequest request) {
    String owner =
        trials
            .experimentOf(trial.id())
            .map(TrialExperiment::owner)
            .orElseThrow(() -> new TrialNotFoundException(trial.id()));
    ownership.checkMayChange(
        request, "trial " + trial.id() + " of experiment " + trial.experimentId(), owner);
  }
}
