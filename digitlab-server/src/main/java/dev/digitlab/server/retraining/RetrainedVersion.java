package dev.digitlab.server.retraining;

import dev.digitlab.server.experiments.Experiment;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.feedback.Feedback;
import dev.digitlab.server.feedback.FeedbackStore;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.security.Ownership;
import java.util.List;
import org.springframework.stereotype.Component;

/**
 * What a retraining whose trial succeeded leaves: the feedback it trained on marked used, its model
 * registered as a new version, and that version through the {@link ProductionGate}.
 */
@Component
class RetrainedVersion {

  private final ExperimentStore experiments;
  private final FeedbackStore feedback;
  private final ModelRegistry registry;
  private final RetrainingData data;
  private final ProductionGate gate;

  RetrainedVersion(
      ExperimentStore experiments,
      FeedbackStore feedback,
      ModelRegistry registry,
      RetrainingData data,
      ProductionGate gate) {
    this.experiments = experiments;
    this.feedback = feedback;
    this.registry = registry;
    this.data = data;
    this.gate = gate;
  }

  /** Registers and gates the model of the retraining experiment's succeeded trial. */
  void register(String model, long experimentId, long trial, double gateTolerance) {
    Experiment experiment =
        experiments
            .find(experimentId)
            .orElseThrow(
                () -> new IllegalStateException("experiment " + experimentId + " is gone"));
    List<Feedback> given = data.given(model, experiment);
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
    gate.decide(
        model, candidate, data.test(experiment), data.heldOut(model, experiment), gateTolerance);
  }
}
