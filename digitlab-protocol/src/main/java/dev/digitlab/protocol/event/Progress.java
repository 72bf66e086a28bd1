package dev.digitlab.protocol.event;

import com.fasterxml.jackson.annotation.JsonIgnore;

/**
 * How far an attempt is, for progress bars. Sent at most a few times a second, and always after an
 * epoch's last step.
 *
 * @param epoch 1-based epoch in progress
 * @param step 1-based global optimizer step, resumed epochs included
 * @param steps optimizer steps of the whole run
 * @param fraction {@code step / steps}, between 0 and 1
 * @param imagesPerSecond training speed in the current epoch so far
 * @param etaSeconds estimated seconds of training left; null while unknown
 */
public record Progress(
    int epoch,
    int epochs,
    long step,
    long steps,
    double fraction,
    double imagesPerSecond,
    Double etaSeconds)
    implements EventPayload {

  public Progress {
    if (epochs < 1 || epoch < 1 || epoch > epochs) {
      throw new IllegalArgumentException("epoch " + epoch + " of " + epochs + " is not valid");
    }
    if (steps < 1 || step < 0 || step > steps) {
      throw new IllegalArgumentException("step " + step + " of " + steps + " is not valid");
    }
    if (!(fraction >= 0 && fraction <= 1)) {
      throw new IllegalArgumentException("fraction must be between 0 and 1, got " + fraction);
    }
    if (!(imagesPerSecond >= 0)) {
      throw new IllegalArgumentException(
          "imagesPerSecond must not be negative, got " + imagesPerSecond);
    }
    if (etaSeconds != null && !(etaSeconds >= 0)) {
      throw new IllegalArgumentException("etaSeconds must not be negative, got " + etaSeconds);
    }
  }

  @JsonIgnore
  @Override
  public EventType type() {
    return EventType.PROGRESS;
  }
}
