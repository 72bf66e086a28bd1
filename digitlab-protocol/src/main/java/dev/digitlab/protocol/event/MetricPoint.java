package dev.digitlab.protocol.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One point of a metric's curve.
 *
 * <p>Keys the worker writes: {@code train_loss} (sampled steps), once per epoch {@code
 * epoch_train_loss}, {@code epoch_train_accuracy}, {@code val_loss} and {@code val_accuracy} (with
 * a validation split), {@code images_per_second}, {@code learning_rate}, {@code epoch_seconds}; at
 * the end {@code test_loss}, {@code test_accuracy}, {@code test_f1_macro}, {@code
 * test_precision_macro}, {@code test_recall_macro}, {@code test_f1_weighted}, {@code
 * train_seconds}. The value may be NaN or infinite: a diverged loss is worth recording as it is.
 *
 * @param key {@code [a-z][a-z0-9_./-]{0,99}}
 * @param step 1-based global optimizer step the value belongs to (0 before any step)
 * @param epoch 1-based epoch the value belongs to (0 before the first epoch)
 */
public record MetricPoint(String key, double value, long step, int epoch) implements EventPayload {

  /** What a metric key looks like: short, lower case, safe in URLs and SQL identifiers' values. */
  public static final Pattern KEY = Pattern.compile("[a-z][a-z0-9_./-]{0,99}");

  public MetricPoint {
    Objects.requireNonNull(key, "key");
    if (!KEY.matcher(key).matches()) {
      throw new IllegalArgumentException(
          "metric key '" + key + "' must match " + KEY.pattern() + " (e.g. val_accuracy)");
    }
    if (step < 0) {
      throw new IllegalArgumentException("step must not be negative, got " + step);
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must not be negative, got " + epoch);
    }
  }

  @JsonIgnore
  @Override
  public EventType type() {
    return EventType.METRIC;
  }
}
