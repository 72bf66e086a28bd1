package dev.digitlab.protocol.experiment;

import dev.digitlab.protocol.event.MetricPoint;
import dev.digitlab.protocol.search.MedianPruner;
import dev.digitlab.protocol.search.Pruner;
import dev.digitlab.protocol.search.SuccessiveHalvingPruner;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Early stopping of an experiment's trials, for any search type: after each report of {@code
 * metric} at a step (a built-in trial's epoch, a command trial's {@code step}), the pruner decides
 * whether the trial goes on. A stopped trial has status {@code pruned}.
 *
 * @param metric a per-step metric the trials report: {@code val_accuracy} and {@code val_loss} need
 *     {@code config.validationRatio} > 0; {@code epoch_train_accuracy} and {@code epoch_train_loss}
 *     are always there
 * @param minEpochs median: no trial is stopped before this step; ASHA: the first rung's step (the
 *     minimum resource)
 * @param reductionFactor ASHA's η: rung k is at minEpochs·η^k and keeps the top 1/η
 * @param startupTrials median: complete trials needed before any pruning
 * @param bootstrapCount ASHA: Optuna's {@code bootstrap_count}, the number of trials that must have
 *     reached a rung before any goes on past it (the first ones to reach it stop there); 0 (the
 *     default) promotes the first arrival that is the best so far
 */
public record PrunerSpec(
    Type type,
    String metric,
    int minEpochs,
    int reductionFactor,
    int startupTrials,
    int bootstrapCount) {

  public static final String DEFAULT_METRIC = "val_accuracy";
  public static final int DEFAULT_REDUCTION_FACTOR = 3;
  public static final int DEFAULT_BOOTSTRAP_COUNT = 0;

  /** The pruning rule. */
  public enum Type {
    MEDIAN,
    ASHA;

    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static Type parse(String value) {
      for (Type type : values()) {
        if (type.configName().equalsIgnoreCase(value)) {
          return type;
        }
      }
      throw new IllegalArgumentException("must be median or asha, got '" + value + "'");
    }
  }

  public PrunerSpec {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(metric, "metric");
  }

  /** Whether larger values of the metric are better: losses are minimised, the rest maximised. */
  public boolean maximize() {
    return !metric.contains("loss");
  }

  /** The pure pruner this spec describes. */
  public Pruner pruner() {
    return switch (type) {
      case MEDIAN -> new MedianPruner(startupTrials, minEpochs);
      case ASHA -> new SuccessiveHalvingPruner(minEpochs, reductionFactor, 0, bootstrapCount);
    };
  }

  /** The rules this pruner breaks, given the base config's validation ratio. */
  List<FieldError> violations(double validationRatio) {
    List<FieldError> errors = new ArrayList<>();
    if (!MetricPoint.isKey(metric)) {
      errors.add(
          new FieldError(
              "pruner.metric", "must be a metric key like val_accuracy, got '" + metric + "'"));
    } else if (metric.startsWith("val_") && !(validationRatio > 0)) {
      errors.add(
          new FieldError(
              "pruner.metric",
              metric
                  + " is reported only with a validation split: set config.validationRatio (e.g."
                  + " 0.1), or prune on epoch_train_accuracy"));
    }
    if (minEpochs < 1) {
      errors.add(new FieldError("pruner.minEpochs", "must be at least 1, got " + minEpochs));
    }
    if (reductionFactor < 2) {
      errors.add(
          new FieldError("pruner.reductionFactor", "must be at least 2, got " + reductionFactor));
    }
    if (bootstrapCount < 0) {
      errors.add(
          new FieldError("pruner.bootstrapCount", "must be 0 or more, got " + bootstrapCount));
    }
    if (startupTrials < 0) {
      errors.add(new FieldError("pruner.startupTrials", "must be 0 or more, got " + startupTrials));
    }
    return errors;
  }
}
