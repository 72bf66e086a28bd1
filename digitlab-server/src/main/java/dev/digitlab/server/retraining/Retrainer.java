package dev.digitlab.server.retraining;

import dev.digitlab.ml.data.DatasetFetcher;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.DatasetSplits;
import dev.digitlab.ml.data.DatasetStore;
import dev.digitlab.ml.data.FetchListener;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.ml.train.Trainer;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.ml.train.TrainingListener;
import dev.digitlab.ml.train.TrainingOutputs;
import dev.digitlab.ml.train.TrainingResult;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.NewExperiment;
import dev.digitlab.server.feedback.Feedback;
import dev.digitlab.server.feedback.FeedbackListener;
import dev.digitlab.server.feedback.FeedbackSet;
import dev.digitlab.server.feedback.FeedbackStore;
import dev.digitlab.server.queue.TrialOutcome;
import dev.digitlab.server.queue.TrialQueue;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.serving.ServedModels;
import dev.digitlab.server.trials.TrialDirectories;
import dev.digitlab.worker.run.RunArtifact;
import jakarta.annotation.PreDestroy;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * The feedback → retrain → redeploy loop. When a model's unused feedback reaches its policy's
 * threshold, the model's production recipe is retrained on the base dataset's training set plus
 * every non-held-out feedback image, as a one-trial experiment the server runs itself (no worker
 * has the feedback). A success marks the feedback used, registers the new version and puts it
 * through the {@link QualityGate}; every step goes into the model's audit log.
 */
@Component
public class Retrainer implements FeedbackListener {

  private static final Logger log = LoggerFactory.getLogger(Retrainer.class);
  private static final Duration LEASE = Duration.ofMinutes(2);
  private static final ExperimentFiles FILES = new ExperimentFiles();

  private final RetrainingStore policies;
  private final FeedbackStore feedback;
  private final FeedbackSet feedbackSet;
  private final ModelRegistry registry;
  private final ServedModels served;
  private final ExperimentStore experiments;
  private final TrialQueue queue;
  private final TrialDirectories directories;
  private final DatasetStore datasets;
  private final Clock clock;
  // A platform thread: libtorch keeps an OpenMP team per calling OS thread (see EmbeddedWorker).
  private final ExecutorService runner =
      Executors.newSingleThreadExecutor(Thread.ofPlatform().name("retraining").factory());
  private final ScheduledExecutorService heartbeats =
      Executors.newSingleThreadScheduledExecutor(
          Thread.ofPlatform().name("retraining-heartbeat").daemon().factory());

  Retrainer(
      RetrainingStore policies,
      FeedbackStore feedback,
      FeedbackSet feedbackSet,
      ModelRegistry registry,
      ServedModels served,
      ExperimentStore experiments,
      TrialQueue queue,
      TrialDirectories directories,
      Clock clock,
      @Value("${digitlab.worker.data-home:${digitlab.home}}") Path dataHome) {
    this.policies = policies;
    this.feedback = feedback;
    this.feedbackSet = feedbackSet;
    this.registry = registry;
    this.served = served;
    this.experiments = experiments;
    this.queue = queue;
    this.directories = directories;
    this.clock = clock;
    this.datasets = new DatasetStore(dataHome, DatasetFetcher.create(FetchListener.NONE));
  }

  /**
   * A retraining runs inside the server that started it, so one still marked running at start-up
   * died with its server: its experiment is cancelled (so no worker picks its trial up once the
   * lease expires and trains it without the feedback), its slot released, and the failure audited.
   * The feedback stays unused and starts the next retraining.
   */
  @EventListener(ApplicationReadyEvent.class)
  void recoverInterrupted() {
    for (RetrainingPolicy policy : policies.running()) {
      if (policy.runningExperiment() > 0) {
        experiments.cancel(policy.runningExperiment());
      }
      policies.releaseRun(policy.model());
      registry.audit(
          policy.model(),
          "retrain-failed",
          null,
          "interrupted by a server restart (experiment " + policy.runningExperiment() + ")");
      log.warn("Retraining of {} was interrupted by a restart", policy.model());
      maybeStart(policy.model());
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
    runner.submit(() -> run(model, policy.get()));
    return true;
  }

  private void run(String model, RetrainingPolicy policy) {
    Long trialId = null;
    UUID token = UUID.randomUUID();
    ScheduledFuture<?> heartbeat = null;
    boolean succeeded = false;
    try {
      ModelVersion base = baseVersion(model);
      TrainingConfig config = FILES.readConfig(base.config());
      List<Feedback> all = feedback.all(model);
      List<Long> unused =
          all.stream().filter(f -> f.usedByTrial() == null).map(Feedback::id).toList();
      List<Feedback> train = all.stream().filter(f -> !f.heldOut()).toList();
      List<Feedback> heldOut = all.stream().filter(Feedback::heldOut).toList();
      String description =
          String.format(
              Locale.ROOT,
              "Retraining of %s v%d's recipe on %s train + %d feedback image(s); %d held out",
              model,
              base.version(),
              policy.baseDataset(),
              train.size(),
              heldOut.size());
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
                  "{\"name\":\"retrain-"
                      + model
                      + "\",\"dataset\":\""
                      + policy.baseDataset()
                      + "\",\"config\":"
                      + base.config()
                      + "}",
                  Objective.DEFAULT,
                  1,
                  0,
                  List.of()));
      policies.setRun(model, experiment.id());
      long trial =
          policies.insertRunningTrial(
              experiment.id(), base.config(), token, clock.instant().plus(LEASE));
      trialId = trial;
      experiments.rollUp(experiment.id());
      heartbeat =
          heartbeats.scheduleAtFixedRate(() -> beat(trial, token), 20, 20, TimeUnit.SECONDS);
      registry.audit(model, "retrain-started", null, description + " (trial " + trial + ")");
      log.info("Retraining {} as trial {}: {}", model, trial, description);

      LoadedDataset data = datasets.load(DatasetId.byName(policy.baseDataset()));
      ImageSet baseTrain = data.train();
      if (config.trainSubset() > 0 && config.trainSubset() < baseTrain.size()) {
        baseTrain = DatasetSplits.stratifiedSubset(baseTrain, config.trainSubset(), config.seed());
      }
      ImageSet heldOutSet = feedbackSet.of(heldOut);
      ImageSet trainSet = concat(baseTrain, feedbackSet.of(train));
      Path modelFile = RunArtifact.MODEL.in(directories.of(trial).resolve("attempt-1"));
      TrainingResult result =
          Trainer.train(
              config.toBuilder().trainSubset(0).validationRatio(0).build(),
              new TrainingData(trainSet, null, data.test()),
              TrainingListener.NONE,
              () -> false,
              new TrainingOutputs(null, null, modelFile));
      heartbeat.cancel(false);
      queue.complete(
          trial,
          token,
          new TrialOutcome.Succeeded(
              result.test().accuracy(),
              result.test().report().macroF1(),
              null,
              result.trainSeconds(),
              String.format(
                  Locale.ROOT,
                  "{\"test_accuracy\":%s,\"test_f1_macro\":%s,\"feedback_images\":%d}",
                  result.test().accuracy(),
                  result.test().report().macroF1(),
                  train.size())));
      succeeded = true;
      // Only a training that succeeded consumes the feedback.
      feedback.markUsed(unused, trial);
      ModelVersion candidate =
          registry.register(
              model,
              trial,
              "retrained on " + train.size() + " feedback image(s), trial " + trial,
              Ownership.SYSTEM);
      gate(model, candidate, data.test(), heldOutSet, policy.gateTolerance());
    } catch (RuntimeException | Error e) {
      log.error("Retraining of {} failed", model, e);
      if (heartbeat != null) {
        heartbeat.cancel(false);
      }
      if (trialId != null && !succeeded) {
        try {
          queue.complete(
              trialId, token, new TrialOutcome.Failed(e.toString(), stackTrace(e), null));
        } catch (RuntimeException lost) {
          log.warn("Could not record the failure of retraining trial {}", trialId, lost);
        }
      }
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
    Classifier classifier = served.byVersion(model, version).classifier();
    return new QualityGate.Scores(
        accuracy(classifier, test),
        heldOut.size() == 0 ? 1.0 : accuracy(classifier, heldOut),
        heldOut.size());
  }

  private static double accuracy(Classifier classifier, ImageSet set) {
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

  /** The version whose recipe is retrained: production's, else the newest. */
  private ModelVersion baseVersion(String model) {
    Optional<ModelAlias> production = registry.alias(model, ModelRegistry.PRODUCTION);
    if (production.isPresent()) {
      return registry.version(model, production.get().version());
    }
    List<ModelVersion> versions = registry.get(model).versions();
    if (versions.isEmpty()) {
      throw new IllegalStateException(model + " has no version whose recipe could be retrained");
    }
    return versions.getFirst();
  }

  private void beat(long trial, UUID token) {
    try {
      queue.heartbeat(trial, token, LEASE);
    } catch (RuntimeException e) {
      log.warn("Retraining trial {} heartbeat failed: {}", trial, e.toString());
    }
  }

  private static ImageSet concat(ImageSet a, ImageSet b) {
    byte[] pixels = new byte[a.pixels().length + b.pixels().length];
    System.arraycopy(a.pixels(), 0, pixels, 0, a.pixels().length);
    System.arraycopy(b.pixels(), 0, pixels, a.pixels().length, b.pixels().length);
    byte[] labels = new byte[a.labels().length + b.labels().length];
    System.arraycopy(a.labels(), 0, labels, 0, a.labels().length);
    System.arraycopy(b.labels(), 0, labels, a.labels().length, b.labels().length);
    return new ImageSet(a.rows(), a.cols(), pixels, labels);
  }

  private static String stackTrace(Throwable e) {
    StringWriter out = new StringWriter();
    e.printStackTrace(new PrintWriter(out));
    return out.toString();
  }

  @PreDestroy
  void stop() {
    runner.shutdownNow();
    heartbeats.shutdownNow();
  }
}
