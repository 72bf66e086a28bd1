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
    if (!isKey(key)) {
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

  /**
   * Whether {@code key} matches {@link #KEY}, checked char by char: every metric point a server
   * ingests or a worker records is checked, and the regex engine was a visible part of ingesting a
   * batch.
   */
  public static boolean isKey(String key) {
    int length = key.length();
    if (length < 1 || length > 100 || key.charAt(0) < 'a' || key.charAt(0) > 'z') {
      return false;
    }
    for (int i = 1; i < length; i++) {
      char c = key.charAt(i);
      if (!(c >= 'a' && c <= 'z'
          || c >= '0' && c <= '9'
          || c == '_'
          || c == '.'
          || c == '/'
          || c == '-')) {
        return false;
      }
    }
    return true;
  }

  @JsonIgnore
  @Override
  public EventType type() {
    return EventType.METRIC;
  }
}
