package dev.digitlab.server.retraining;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.DigitClassifier;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.security.Ownership;
import dev.digitlab.server.serving.ServedModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Puts a retrained version through the {@link QualityGate} against the model's production version,
 * both scored on the same test and held-out images, and promotes it to production when it passes;
 * the verdict goes into the model's audit log either way.
 */
@Component
class ProductionGate {

  private static final Logger log = LoggerFactory.getLogger(ProductionGate.class);

  private final ModelRegistry registry;
  private final ServedModels served;

  ProductionGate(ModelRegistry registry, ServedModels served) {
    this.registry = registry;
    this.served = served;
  }

  /** Promotes the candidate if it passes the gate against production; audits either way. */
  void decide(
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
    // Promoted before the decision is audited: whoever sees gate-passed in the audit log (a page,
    // a script, FeedbackLoopTest) then finds the candidate in production and served. Audited
    // first, a reader in between saw the gate passed and production still on the old version.
    if (verdict.promote()) {
      registry.promote(
          model,
          ModelRegistry.PRODUCTION,
          candidate.version(),
          "quality gate passed",
          Ownership.SYSTEM);
    }
    registry.audit(
        model, verdict.promote() ? "gate-passed" : "gate-rejected", candidate.version(), detail);
    log.info("Quality gate for {}: {}", model, detail);
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
}
