package dev.digitlab.server.mlflow;

import dev.digitlab.server.queue.ExternalTrials;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.runs.Run;
import dev.digitlab.server.runs.RunReader;
import dev.digitlab.server.security.Caller;
import dev.digitlab.server.security.Ownership;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.stereotype.Component;

/** Finds the run an MLflow request names, and checks that the request may change it. */
@Component
class MlflowRuns {

  private final RunReader runs;
  private final Ownership ownership;

  MlflowRuns(RunReader runs, Ownership ownership) {
    this.runs = runs;
    this.ownership = ownership;
  }

  /** The run a request names: {@code run_id}, or {@code run_uuid} as older clients send it. */
  static String runId(MlflowRequest fields) {
    String id = fields.string("run_id");
    if (id == null || id.isEmpty()) {
      id = fields.string("run_uuid");
    }
    if (id == null || id.isEmpty()) {
      throw MlflowRequest.missing("run_id");
    }
    return id;
  }

  /** The run with MLflow id {@code id}; RESOURCE_DOES_NOT_EXIST if there is none. */
  Run find(String id) {
    long trialId;
    try {
      trialId = Long.parseLong(id);
    } catch (NumberFormatException e) {
      throw MlflowException.notFound("Run with id=" + id + " not found");
    }
    return runs.find(trialId)
        .orElseThrow(() -> MlflowException.notFound("Run with id=" + id + " not found"));
  }

  /**
   * The run with MLflow id {@code id}, if this request may read it: a command trial's token reads
   * only its own run (PERMISSION_DENIED, MLflow's 403, for any other).
   */
  Run readable(String id, HttpServletRequest request) {
    Run run = find(id);
    Caller.of(request)
        .filter(caller -> caller.scopedElsewhere(run.id()))
        .ifPresent(
            caller -> {
              throw MlflowException.permissionDenied(
                  "This token belongs to trial "
                      + caller.trialId()
                      + " and may log to its run only, not to run "
                      + id);
            });
    return run;
  }

  /**
   * The run, if this request may change it: an external run (built-in trials are their workers'),
   * owned by the caller (or an admin calling); {@code active} asks for a run not deleted.
   */
  Run writable(String id, HttpServletRequest request, boolean active) {
    Run run = readable(id, request);
    boolean trialsOwn =
        run.kind().equals(TrialQueue.COMMAND_KIND)
            && Caller.of(request).map(caller -> caller.trialId() != null).orElse(false);
    if (trialsOwn) {
      // A command trial's program logs to its run with the token of its attempt; its status is
      // its worker's, which the queue guards (a status update here changes no command trial).
      return run;
    }
    if (!run.kind().equals(ExternalTrials.KIND)) {
      throw MlflowException.invalid(
          "Run "
              + id
              + " is a built-in Digit Lab trial, written by its worker: only runs created through"
              + " this API can be changed through it");
    }
    ownership.checkMayChange(request, "run " + id, run.user());
    if (active && !run.lifecycleStage().equals(MlflowStore.ACTIVE)) {
      throw MlflowException.invalid(
          "The run "
              + id
              + " must be in the 'active' state. Current state is "
              + run.lifecycleStage()
              + ".");
    }
    return run;
  }
}
