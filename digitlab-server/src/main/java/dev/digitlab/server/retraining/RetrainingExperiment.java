package dev.digitlab.server.retraining;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.protocol.experiment.ExperimentFiles;
import dev.digitlab.protocol.experiment.Objective;
import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.experiments.NewExperiment;
import dev.digitlab.server.feedback.Feedback;
import dev.digitlab.server.feedback.FeedbackStore;
import dev.digitlab.server.queue.NewTrial;
import dev.digitlab.server.queue.QueueSignal;
import dev.digitlab.server.queue.TrialMoves;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.security.Ownership;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongConsumer;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A retraining as a one-trial experiment queued like any other: the model's production recipe (else
 * its newest version's) on the base dataset's training set plus every non-held-out feedback image.
 * The trial is server-only, as only this server has the feedback ({@link RetrainingData}).
 */
@Component
class RetrainingExperiment {

  private static final ExperimentFiles FILES = new ExperimentFiles();
  private static final JsonMapper JSON = Json.mapper();

  /** A queued retraining: its experiment, its one trial and what it trains on. */
  record Queued(long experimentId, long trialId, String description) {}

  private final ExperimentStore experiments;
  private final TrialMoves trials;
  private final QueueSignal queueSignal;
  private final ModelRegistry registry;
  private final FeedbackStore feedback;

  RetrainingExperiment(
      ExperimentStore experiments,
      TrialMoves trials,
      QueueSignal queueSignal,
      ModelRegistry registry,
      FeedbackStore feedback) {
    this.experiments = experiments;
    this.trials = trials;
    this.queueSignal = queueSignal;
    this.registry = registry;
    this.feedback = feedback;
  }

  /**
   * Creates the experiment, tells {@code created} its id, then queues its trial. The caller records
   * the id before the trial exists, so that the trial's end, however soon, finds its retraining.
   */
  Queued queue(String model, RetrainingPolicy policy, LongConsumer created) {
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
    created.accept(experiment.id());
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
    return new Queued(experiment.id(), trial, description);
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
}
