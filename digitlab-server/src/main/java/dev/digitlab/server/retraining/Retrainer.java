package dev.digitlab.server.retraining;

import dev.digitlab.server.feedback.Feedback;
import dev.digitlab.server.feedback.FeedbackListener;
import dev.digitlab.server.feedback.FeedbackStore;
import dev.digitlab.server.queue.TrialLifecycle;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.registry.ModelRegistry;
import jakarta.annotation.PreDestroy;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The feedback → retrain → redeploy loop. When a model's unused feedback reaches its policy's
 * threshold, a {@link RetrainingExperiment} is queued like any other: the embedded worker runs its
 * one trial with the {@code TrialRunner}, so it gets events, checkpoints, crash recovery through
 * the lease sweeper and a trial page. When the trial ends (this is a {@link TrialLifecycle}), a
 * success becomes a {@link RetrainedVersion} put through the {@link ProductionGate}; every step
 * goes into the model's audit log. One retraining per model at a time: the policy's run slot.
 */
@Component
public class Retrainer implements FeedbackListener, TrialLifecycle {

  private static final Logger log = LoggerFactory.getLogger(Retrainer.class);

  private final RetrainingStore policies;
  private final FeedbackStore feedback;
  private final ModelRegistry registry;
  private final RetrainingExperiment experiment;
  private final RetrainedVersion version;
  // Starts and gates off the threads that store feedback and end trials. A platform thread: the
  // gate scores models with libtorch, which keeps an OpenMP team per calling OS thread.
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("retraining").factory());

  Retrainer(
      RetrainingStore policies,
      FeedbackStore feedback,
      ModelRegistry registry,
      RetrainingExperiment experiment,
      RetrainedVersion version) {
    this.policies = policies;
    this.feedback = feedback;
    this.registry = registry;
    this.experiment = experiment;
    this.version = version;
  }

  @Override
  public void feedbackStored(Feedback stored) {
    maybeStart(stored.model());
  }

  /** Starts a retraining when the policy is on, the threshold reached and none is running. */
  boolean maybeStart(String model) {
    Optional<RetrainingPolicy> policy = policies.find(model);
    if (policy.isEmpty() || !policy.get().enabled()) {
      return false;
    }
    if (feedback.countUnused(model) < policy.get().threshold() || !policies.claimRun(model)) {
      return false;
    }
    runner.submit(() -> start(model, policy.get()));
    return true;
  }

  private void start(String model, RetrainingPolicy policy) {
    try {
      RetrainingExperiment.Queued queued =
          experiment.queue(model, policy, id -> policies.setRun(model, id));
      registry.audit(
          model,
          "retrain-started",
          null,
          queued.description() + " (trial " + queued.trialId() + ")");
      log.info("Retraining {} as trial {}: {}", model, queued.trialId(), queued.description());
    } catch (RuntimeException | Error e) {
      log.error("Retraining of {} could not start", model, e);
      policies.releaseRun(model);
      registry.audit(model, "retrain-failed", null, e.toString());
    }
  }

  /** A retraining's trial ended: gate and register its model off the ending thread. */
  @Override
  public void trialEnded(long trialId, long experimentId, TrialStatus status) {
    if (policies.byExperiment(experimentId).isPresent()) {
      finishLater(experimentId, status == TrialStatus.SUCCEEDED ? trialId : null, status.dbValue());
    }
  }

  /**
   * Ends the retraining of this experiment off the calling thread: with a succeeded trial, its
   * model becomes a gated version; otherwise the failure ({@code ended}: how the trial or its
   * experiment ended) is audited. The slot is released either way.
   */
  void finishLater(long experimentId, Long succeededTrial, String ended) {
    runner.submit(() -> finish(experimentId, succeededTrial, ended));
  }

  private void finish(long experimentId, Long succeededTrial, String ended) {
    Optional<RetrainingPolicy> policy = policies.byExperiment(experimentId);
    if (policy.isEmpty()) {
      return; // finished already
    }
    String model = policy.get().model();
    boolean succeeded = false;
    try {
      if (succeededTrial == null) {
        registry.audit(
            model, "retrain-failed", null, "trial of experiment " + experimentId + " " + ended);
        return;
      }
      version.register(model, experimentId, succeededTrial, policy.get().gateTolerance());
      succeeded = true;
    } catch (RuntimeException | Error e) {
      log.error("Retraining of {} failed", model, e);
      registry.audit(model, "retrain-failed", null, e.toString());
    } finally {
      policies.releaseRun(model);
    }
    if (succeeded) {
      maybeStart(model); // feedback that arrived meanwhile may already reach the threshold
    }
  }

  @PreDestroy
  void stop() {
    runner.shutdownNow();
  }
}
