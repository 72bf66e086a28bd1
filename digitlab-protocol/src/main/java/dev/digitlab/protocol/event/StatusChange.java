package dev.digitlab.protocol.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;
import java.util.Set;

/**
 * A trial's status changed.
 *
 * @param status {@code queued}, {@code running}, {@code succeeded}, {@code failed} or {@code
 *     cancelled}
 * @param reason why, for people (e.g. {@code attempt 2, resumed from epoch 1}, an exception's
 *     message); empty when there is nothing to say
 */
public record StatusChange(String status, String reason) implements EventPayload {

  public static final String QUEUED = "queued";
  public static final String RUNNING = "running";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  private static final Set<String> STATUSES = Set.of(QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED);

  public StatusChange {
    Objects.requireNonNull(status, "status");
    reason = reason == null ? "" : reason;
    if (!STATUSES.contains(status)) {
      throw new IllegalArgumentException(
          "status must be one of queued, running, succeeded, failed, cancelled, got '"
              + status
              + "'");
    }
    if (reason.length() > LogLine.MAX_MESSAGE_CHARS) {
      throw new IllegalArgumentException(
          "status reason has "
              + reason.length()
              + " characters; the limit is "
              + LogLine.MAX_MESSAGE_CHARS);
    }
  }

  @JsonIgnore
  @Override
  public EventType type() {
    return EventType.STATUS;
  }
}
