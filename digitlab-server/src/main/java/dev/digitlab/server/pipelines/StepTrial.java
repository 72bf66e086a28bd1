package dev.digitlab.server.pipelines;

import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.ExperimentSubmission;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.time.Duration;
import org.springframework.stereotype.Component;
import tools.jackson.databind.node.ObjectNode;

/**
 * The trial a {@code train} or {@code command} step runs as (see {@link TrainStep} and {@link
 * CommandStep}): submits the step's experiment of one trial, waits for the trial to end while
 * logging its status moves, cancels the experiment when the attempt is interrupted (its timeout,
 * the run cancelled, the server stopping), refuses a trial that did not succeed, and starts the
 * step's result with the ids that link it to the trial. What each step copies back from its trial,
 * and what else it logs while waiting, stays with the step.
 */
@Component
class StepTrial {

  private static final Duration POLL = Duration.ofMillis(200);

  private final ExperimentSubmission submission;
  private final ExperimentStore experiments;
  private final TrialStore trials;
  private final ExperimentFiles files = new ExperimentFiles();

  StepTrial(ExperimentSubmission submission, ExperimentStore experiments, TrialStore trials) {
    this.submission = submission;
    this.experiments = experiments;
    this.trials = trials;
  }

  /** A step's submitted experiment and its one trial, as last read. */
  record Submitted(Experiment experiment, Trial trial) {}

  /** What a step does on each poll of its trial, before the trial is checked for its end. */
  @FunctionalInterface
  interface Watch {
    void poll(Trial trial);
  }

  /**
   * The start of the step's experiment document, as a user would write it: named {@code RUN/STEP},
   * described as "{@code what} 'STEP' of pipeline run ID", tagged {@code pipeline}.
   */
  static ObjectNode document(StepContext context, String what) {
    ObjectNode document = StepResults.object();
    document.put("name", context.run().name() + "/" + context.step().name());
    document.put(
        "description",
        what + " '" + context.step().name() + "' of pipeline run " + context.run().id());
    document.putArray("tags").add("pipeline");
    return document;
  }

  /**
   * Submits {@code document} as the run owner's experiment (the pipeline's experiments are its
   * owner's: they may see and cancel them as their own), records its trial on the step and logs
   * "queued {@code kind} ID (experiment ID)".
   */
  Submitted submit(ObjectNode document, StepContext context, String kind) {
    Experiment experiment = submission.submit(files.fromTree(document), context.run().owner());
    Trial trial = trials.listByExperiment(experiment.id()).getFirst();
    context.trials().record(trial.id());
    context
        .log()
        .accept("queued " + kind + " " + trial.id() + " (experiment " + experiment.id() + ")");
    return new Submitted(experiment, trial);
  }

  /**
   * Waits until the trial ends, logging each status it moves to and calling {@code watch} on each
   * poll; returns the trial as it ended, which succeeded. An interrupted wait cancels the
   * experiment, logs "cancelled trial ID" followed by {@code cancelledNote}, and rethrows; a trial
   * that ended otherwise than succeeded fails the attempt with its status and reason.
   */
  Trial await(Submitted submitted, StepContext context, Watch watch, String cancelledNote)
      throws InterruptedException {
    Trial trial = submitted.trial();
    TrialStatus seen = trial.status();
    try {
      while (true) {
        watch.poll(trial);
        if (trial.status().isTerminal()) {
          break;
        }
        Thread.sleep(POLL);
        trial = trials.get(trial.id());
        if (trial.status() != seen) {
          seen = trial.status();
          context.log().accept("trial " + trial.id() + " " + seen.dbValue());
        }
      }
    } catch (InterruptedException e) {
      experiments.cancel(submitted.experiment().id());
      context.log().accept("cancelled trial " + trial.id() + cancelledNote);
      throw e;
    }
    if (trial.status() != TrialStatus.SUCCEEDED) {
      throw new IllegalStateException(
          "trial "
              + trial.id()
              + " "
              + trial.status().dbValue()
              + (trial.failureReason() == null ? "" : ": " + trial.failureReason()));
    }
    return trial;
  }

  /** A step's result, started with the ids of its experiment and of the trial's attempt. */
  static ObjectNode resultHead(Experiment experiment, Trial trial) {
    ObjectNode result = StepResults.object();
    result.put("trialId", trial.id());
    result.put("experimentId", experiment.id());
    result.put("trialAttempt", trial.attempt());
    return result;
  }
}
