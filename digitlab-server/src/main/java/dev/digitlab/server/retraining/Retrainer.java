package dev.digitlab.server.retraining;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.DigitClassifier;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.NewExperiment;
import dev.digitlab.server.feedback.Feedback;
import dev.digitlab.server.feedback.FeedbackListener;
import dev.digitlab.server.feedback.FeedbackStore;
import dev.digitlab.server.queue.NewTrial;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialLifecycle;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.serving.ServedModels;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The feedback → retrain → redeploy loop. When a model's unused feedback reaches its policy's
 * threshold, the model's production recipe is retrained on the base dataset's training set plus
 * every non-held-out feedback image, as a one-trial experiment queued like any other: the embedded
 * worker runs it with the {@code TrialRunner} (it is server-only, as only this server has the
 * feedback: {@link RetrainingData}), so it gets events, checkpoints, crash recovery through the
 * lease sweeper and a trial page. When the trial ends (this is a {@link TrialLifecycle}), a success
 * marks the feedback used, registers the new version and puts it through the {@link QualityGate};
 * every step goes into the model's audit log.
 */
@Component
public class Retrainer implements FeedbackListener, TrialLifecycle {

  private static final Logger log = LoggerFactory.getLogger(Retrainer.class);
  private static final ExperimentFiles FILES = new ExperimentFiles();
  private static final JsonMapper JSON = Json.mapper();

  private final RetrainingStore policies;
  private final FeedbackStore feedback;
  private final ModelRegistry registry;
  private final ServedModels served;
  private final ExperimentStore experiments;
  private final TrialMoves trials;
  private final QueueSignal queueSignal;
  private final RetrainingData data;
  // Starts and gates off the threads that store feedback and end trials. A platform thread: the
  // gate scores models with libtorch, which keeps an OpenMP team per calling OS thread.
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("retraining").factory());

  Retrainer(
      RetrainingStore policies,
      FeedbackStore feedback,
      ModelRegistry registry,
      ServedModels served,
      ExperimentStore experiments,
      TrialMoves trials,
      QueueSignal queueSignal,
      RetrainingData data) {
    this.policies = policies;
    this.feedback = feedback;
    this.registry = registry;
    this.served = served;
    this.experiments = experiments;
    this.trials = trials;
    this.queueSignal = queueSignal;
    this.data = data;
  }

  /**
   * A retraining runs as a queued trial, so one running at start-up goes on: the lease sweeper
   * requeues its trial and the embedded worker resumes it from its last checkpoint. One whose trial
   * ended while this server could not hear of it is finished now; one claimed but never queued (the
   * server died in between) is released and audited, and its feedback starts the next.
   */
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
        maybeStart(policy.model());
      } else if (experiment.get().status() != ExperimentStatus.QUEUED
          && experiment.get().status() != ExperimentStatus.RUNNING) {
        long experimentId = experiment.get().id();
        // succeeded: its best trial is its one trial
        runner.submit(() -> finish(experimentId, experiment.get().bestTrialId()));
      } else {
        log.info(
            "Retraining of {} goes on as experiment {}",
            policy.model(),
            policy.runningExperiment());
      }
    }
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

  /** Queues the retraining's experiment and its one server-only trial. */
  private void start(String model, RetrainingPolicy policy) {
    try {
      ModelVersion base = baseVersion(model);
      List<Feedback> all = feedback.all(model);
      long train = all.stream().filter(f -> !f.heldOut()).count();
      String description =
          String.format(
              Locale.ROOT,
              "Retraining of %s v%d's recipe on %s train + %d feedback image(s); %d held out",
              model,
              base.version(),
              policy.baseDataset(),
              train,
              all.size() - train);
      ObjectNode spec = JSON.createObjectNode();
      spec.put("name", "retrain-" + model);
      spec.put("dataset", policy.baseDataset());
      spec.set("config", JSON.readTree(base.config()));
      Experiment experiment =
          experiments.create(
              new NewExperiment(
                  "retrain-" + model,
                  // Made by the server, not by whoever set the policy: with authentication on,
                  // only admins cancel or delete a retraining, which the registry depends on.
                  Ownership.SYSTEM,
                  description,
                  List.of("retraining", model),
                  policy.baseDataset(),
                  JSON.writeValueAsString(spec),
                  Objective.DEFAULT,
                  1,
                  0,
                  List.of()));
      policies.setRun(model, experiment.id());
      // The base recipe on the retraining's own images: the subset of the base training set is
      // taken by RetrainingData, and every image trains (no validation split).
      TrainingConfig config =
          FILES.readConfig(base.config()).toBuilder()
              .dataset(RetrainingData.datasetOf(experiment.id()))
              .trainSubset(0)
              .validationRatio(0)
              .build();
      long trial =
          trials
              .enqueue(
                  experiment.id(), 0, List.of(new NewTrial(FILES.configJson(config), null, true)))
              .getFirst();
      queueSignal.trialsQueued();
      registry.audit(model, "retrain-started", null, description + " (trial " + trial + ")");
      log.info("Retraining {} as trial {}: {}", model, trial, description);
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
      runner.submit(() -> finish(experimentId, status == TrialStatus.SUCCEEDED ? trialId : null));
    }
  }

  /**
   * Ends the retraining of this experiment: with a succeeded trial, the feedback it trained on is
   * marked used, its model registered and gated; otherwise the failure is audited. The slot is
   * released either way.
   */
  private void finish(long experimentId, Long succeededTrial) {
    Optional<RetrainingPolicy> policy = policies.byExperiment(experimentId);
    Optional<Experiment> experiment = experiments.find(experimentId);
    if (policy.isEmpty() || experiment.isEmpty()) {
      return; // finished already
    }
    String model = policy.get().model();
    boolean succeeded = false;
    try {
      if (succeededTrial == null) {
        registry.audit(
            model,
            "retrain-failed",
            null,
            "trial of experiment " + experimentId + " " + experiment.get().status().dbValue());
        return;
      }
      long trial = succeededTrial;
      List<Feedback> given = data.given(model, experiment.get());
      // Only a training that succeeded consumes the feedback.
      feedback.markUsed(
          given.stream().filter(f -> f.usedByTrial() == null).map(Feedback::id).toList(), trial);
      long trainImages = given.stream().filter(f -> !f.heldOut()).count();
      ModelVersion candidate =
          registry.register(
              model,
              trial,
              "retrained on " + trainImages + " feedback image(s), trial " + trial,
              Ownership.SYSTEM);
      gate(
          model,
          candidate,
          data.test(experiment.get()),
          data.heldOut(model, experiment.get()),
          policy.get().gateTolerance());
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

  /** Promotes the candidate if it passes the gate against production; audits either way. */
  private void gate(
      String model, ModelVersion candidate, ImageSet test, ImageSet heldOut, double tolerance) {
    Optional<ModelAlias> production = registry.alias(model, ModelRegistry.PRODUCTION);
    QualityGate.Scores candidateScores = scores(model, candidate.version(), test, heldOut);
    QualityGate.Verdict verdict;
    if (production.isEmpty()) {
      verdict = new QualityGate.Verdict(true, "passed: there is no production version yet");
    } else {
      verdict =
          QualityGate.decide(
              scores(model, production.get().version(), test, heldOut), candidateScores, tolerance);
    }
    String detail =
        production
                .map(p -> "v" + candidate.version() + " against production v" + p.version())
                .orElse("v" + candidate.version())
            + ": "
            + verdict.reason();
    registry.audit(
        model, verdict.promote() ? "gate-passed" : "gate-rejected", candidate.version(), detail);
    log.info("Quality gate for {}: {}", model, detail);
    if (verdict.promote()) {
      registry.promote(
          model,
          ModelRegistry.PRODUCTION,
          candidate.version(),
          "quality gate passed",
          Ownership.SYSTEM);
    }
  }

  private QualityGate.Scores scores(String model, int version, ImageSet test, ImageSet heldOut) {
    DigitClassifier classifier = served.byVersion(model, version).classifier();
    return new QualityGate.Scores(
        accuracy(classifier, test),
        heldOut.size() == 0 ? 1.0 : accuracy(classifier, heldOut),
        heldOut.size());
  }

  private static double accuracy(DigitClassifier classifier, ImageSet set) {
    int correct = 0;
    int batch = 1000;
    for (int from = 0; from < set.size(); from += batch) {
      List<byte[]> images = new ArrayList<>();
      for (int i = from; i < Math.min(set.size(), from + batch); i++) {
        byte[] image = new byte[Classifier.PIXELS];
        System.arraycopy(set.pixels(), i * Classifier.PIXELS, image, 0, Classifier.PIXELS);
        images.add(image);
      }
      List<Prediction> predictions = classifier.predict(images);
      for (int k = 0; k < predictions.size(); k++) {
        correct += predictions.get(k).digit() == set.label(from + k) ? 1 : 0;
      }
    }
    return set.size() == 0 ? 0 : correct / (double) set.size();
  }

  /**
   * The version whose recipe is retrained: production's, else the newest. An imported ONNX version
   * has no recipe, so with one in production the newest version Digit Lab trained is retrained, and
   * the quality gate then compares it with the imported production version.
   */
  private ModelVersion baseVersion(String model) {
    Optional<ModelAlias> production = registry.alias(model, ModelRegistry.PRODUCTION);
    if (production.isPresent()) {
      ModelVersion version = registry.version(model, production.get().version());
      if (!ModelRegistry.ONNX_ARCHITECTURE.equals(version.architecture())) {
        return version;
      }
    }
    return registry.get(model).versions().stream()
        .filter(v -> !ModelRegistry.ONNX_ARCHITECTURE.equals(v.architecture()))
        .findFirst()
        .orElseThrow(
            () ->
                new IllegalStateException(
                    model
                        + " has no version trained by Digit Lab whose recipe could be retrained"));
  }

  @PreDestroy
  void stop() {
    runner.shutdownNow();
  }
}
