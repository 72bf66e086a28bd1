package dev.digitlab.protocol.event;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A file an attempt produced, identified by content so that a receiver can check an upload.
 *
 * @param name the artifact's stable name within its trial ({@code checkpoint}, {@code model},
 *     {@code confusion-matrix}, …); a later artifact with the same name replaces the earlier one
 * @param kind {@code checkpoint}, {@code model} or {@code report}
 * @param bytes the file's size
 * @param sha256 the file's SHA-256, 64 lower-case hex digits
 */
public record ArtifactRef(String name, String kind, long bytes, String sha256)
    implements EventPayload {

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_.-]{0,99}");
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

  public ArtifactRef {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(sha256, "sha256");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "artifact name '" + name + "' must match " + NAME.pattern());
    }
    if (!NAME.matcher(kind).matches()) {
      throw new IllegalArgumentException(
          "artifact kind '" + kind + "' must match " + NAME.pattern());
    }
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must not be negative, got " + bytes);
    }
    if (!SHA256.matcher(sha256).matches()) {
      throw new IllegalArgumentException(
          "sha256 must be 64 lower-case hex digits, got '" + sha256 + "'");
    }
  }

  @JsonIgnore
  @Override
  public EventType type() {
    return EventType.ARTIFACT;
  }
}
