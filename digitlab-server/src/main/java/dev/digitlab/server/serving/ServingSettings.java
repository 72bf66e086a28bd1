package dev.digitlab.server.serving;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the prediction endpoints ({@code digitlab.serving.*}).
 *
 * @param maxImageBytes largest encoded image accepted (default 5 MB); larger is answered 413
 * @param maxImagePixels largest width × height accepted, read from the image header before any
 *     pixel is decoded (default 1024 × 1024: a 4096² 16-bit PNG of 210 kB took 7 s to decode)
 * @param maxBatch most images in one request (default 256)
 * @param maxJsonBytes largest JSON request body (default 8 MB); larger is answered 413
 * @param decodeThreads images decoded at once across all requests (default 0 = half the cores, at
 *     least 1), so that decoding never takes every core from health checks and pages
 * @param decodeWait how long a request waits for a decoding slot before a 503 with Retry-After
 * @param decodeTimeout an image still decoding after this is given up (400)
 */
@ConfigurationProperties("digitlab.serving")
public record ServingSettings(
    @DefaultValue("5242880") long maxImageBytes,
    @DefaultValue("1048576") long maxImagePixels,
    @DefaultValue("256") int maxBatch,
    @DefaultValue("8388608") int maxJsonBytes,
    @DefaultValue("0") int decodeThreads,
    @DefaultValue("500ms") Duration decodeWait,
    @DefaultValue("2s") Duration decodeTimeout) {

  /** {@link #decodeThreads}, with 0 resolved to half the cores (at least 1). */
  public int decodeSlots() {
    return decodeThreads > 0
        ? decodeThreads
        : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }
}
