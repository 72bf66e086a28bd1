package dev.digitlab.server.retraining;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.registry.ModelRegistry;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Retrainings that were running when the server stopped. Each runs as a queued trial, so one still
 * going goes on: the lease sweeper requeues its trial and the embedded worker resumes it from its
 * last checkpoint. One whose trial ended while this server could not hear of it is finished now;
 * one claimed but never queued (the server died in between) is released and audited, and its
 * feedback starts the next.
 */
@Component
class RetrainingRecovery {

  private static final Logger log = LoggerFactory.getLogger(RetrainingRecovery.class);

  private final RetrainingStore policies;
  private final ExperimentStore experiments;
  private final ModelRegistry registry;
  private final Retrainer retrainer;

  RetrainingRecovery(
      RetrainingStore policies,
      ExperimentStore experiments,
      ModelRegistry registry,
      Retrainer retrainer) {
    this.policies = policies;
    this.experiments = experiments;
    this.registry = registry;
    this.retrainer = retrainer;
  }

  @EventListener(ApplicationReadyEvent.class)
  void recoverInterrupted() {
    for (RetrainingPolicy policy : policies.running()) {
      Optional<Experiment> experiment =
          policy.runningExperiment() > 0
              ? experiments.find(policy.runningExperiment())
              : Optional.empty();
      if (experiment.isEmpty()) {
        policies.releaseRun(policy.model());
        registry.audit(
            policy.model(),
            "retrain-failed",
            null,
            "interrupted by a server restart (experiment " + policy.runningExperiment() + ")");
        log.warn("Retraining of {} was interrupted by a restart", policy.model());
        retrainer.maybeStart(policy.model());
      } else if (experiment.get().status() != ExperimentStatus.QUEUED
          && experiment.get().status() != ExperimentStatus.RUNNING) {
        // succeeded: its best trial is its one trial
        retrainer.finishLater(
            experiment.get().id(),
            experiment.get().bestTrialId(),
            experiment.get().status().dbValue());
      } else {
        log.info(
            "Retraining of {} goes on as experiment {}",
            policy.model(),
            policy.runningExperiment());
      }
    }
  }
}
