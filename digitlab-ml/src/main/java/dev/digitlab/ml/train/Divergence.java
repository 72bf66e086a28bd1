package dev.digitlab.ml.train;

import dev.digitlab.ml.model.ModelSpec;
import java.util.Locale;
import java.util.Optional;

/**
 * Tells a user whose run learned nothing why, instead of leaving a 10% model to be found later: a
 * short run of a recipe tuned for many steps (the fast recipe's one-cycle climbs to its peak rate
 * in 30% of the steps, 5 of them on 5,000 images) can blow up and end at chance.
 */
final class Divergence {

  /** Mean cross-entropy of a model that gives every class the same probability: ln 10. */
  static final double GUESSING_LOSS = Math.log(ModelSpec.CLASSES);

  private Divergence() {}

  /**
   * A warning when epoch {@code m}'s mean training loss is not a number or above {@link
   * #GUESSING_LOSS}: no model that learns anything averages worse than guessing over an epoch.
   */
  static Optional<String> warning(EpochMetrics m, LearningRateSchedule schedule) {
    if (Double.isFinite(m.trainLoss()) && m.trainLoss() <= GUESSING_LOSS) {
      return Optional.empty();
    }
    return Optional.of(
        String.format(
            Locale.ROOT,
            "training diverged: epoch %d's mean training loss (%s) is worse than guessing all"
                + " %d classes equally (%.2f), and its training accuracy is %.1f%%. The learning rate"
                + " reached %s in a run of %,d steps; try a lower one (--lr, learningRate), or"
                + " more images or epochs.",
            m.epoch(),
            Double.isFinite(m.trainLoss())
                ? String.format(Locale.ROOT, "%.2f", m.trainLoss())
                : String.valueOf(m.trainLoss()),
            ModelSpec.CLASSES,
            GUESSING_LOSS,
            100 * m.trainAccuracy(),
            schedule.baseRate(),
            schedule.totalSteps()));
  }
}
