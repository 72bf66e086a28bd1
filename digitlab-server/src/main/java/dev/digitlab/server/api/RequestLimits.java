package dev.digitlab.server.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * {@code digitlab.limits.*}: how much a client may send.
 *
 * @param maxRequestSize the largest request body; more is a 413 (before it is read, when the
 *     request says its length; as soon as the limit is passed, when it is chunked)
 * @param maxImageSize the largest image a client may send for a prediction
 * @param maxImagePixels the most pixels (width × height) such an image may have, read from its
 *     header before anything is decoded
 */
@ConfigurationProperties("digitlab.limits")
public record RequestLimits(
    @DefaultValue("16MB") DataSize maxRequestSize,
    @DefaultValue("2MB") DataSize maxImageSize,
    @DefaultValue("4194304") long maxImagePixels) {

  public RequestLimits {
    if (maxRequestSize.toBytes() < 1024) {
      throw new IllegalArgumentException("digitlab.limits.max-request-size must be at least 1KB");
    }
    if (maxImageSize.toBytes() < 1 || maxImagePixels < 1) {
      throw new IllegalArgumentException(
          "digitlab.limits.max-image-size and max-image-pixels must be positive");
    }
  }
}
