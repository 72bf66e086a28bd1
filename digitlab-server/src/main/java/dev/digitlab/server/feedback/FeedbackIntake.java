package dev.digitlab.server.feedback;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.registry.ModelRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Stores a checked feedback image (file first, then its row) and tells the listeners, such as the
 * retraining policy, that a model's unused feedback grew.
 */
@Component
public class FeedbackIntake {

  private static final Logger log = LoggerFactory.getLogger(FeedbackIntake.class);

  private final FeedbackStore store;
  private final FeedbackImages images;
  private final ModelRegistry registry;
  private final List<FeedbackListener> listeners;

  FeedbackIntake(
      FeedbackStore store,
      FeedbackImages images,
      ModelRegistry registry,
      List<FeedbackListener> listeners) {
    this.store = store;
    this.images = images;
    this.registry = registry;
    this.listeners = List.copyOf(listeners);
  }

  /**
   * Stores an image already checked to decode and hold a digit.
   *
   * @throws InvalidParameterException for a missing or out-of-range label or prediction
   */
  public Feedback accept(
      String model,
      byte[] image,
      Integer label,
      Integer predicted,
      Integer version,
      Double confidence) {
    registry.get(model); // 404 for an unknown model, before anything is stored
    if (label == null || label < 0 || label > 9) {
      throw new InvalidParameterException("label", "the true digit, 0–9, is required");
    }
    if (predicted != null && (predicted < 0 || predicted > 9)) {
      throw new InvalidParameterException("predicted", "must be a digit 0–9");
    }
    if (confidence != null && !(confidence >= 0 && confidence <= 1)) {
      // NaN fails every comparison: it is refused here too (issue 15).
      throw new InvalidParameterException(
          "confidence", "must be a probability between 0 and 1, got " + confidence);
    }
    if (version != null) {
      registry.version(model, version);
    }
    String sha = images.store(image);
    Feedback stored =
        store.insert(new NewFeedback(model, version, predicted, confidence, label, sha, sha));
    log.info("Feedback {} for {}: label {}, predicted {}", stored.id(), model, label, predicted);
    listeners.forEach(l -> l.feedbackStored(stored));
    return stored;
  }
}
