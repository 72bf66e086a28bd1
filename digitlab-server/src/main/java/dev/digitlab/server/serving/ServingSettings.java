package dev.digitlab.server.serving;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Limits of the prediction endpoints ({@code digitlab.serving.*}).
 *
 * @param maxImageBytes largest encoded image accepted (default 5 MB); larger is answered 413
 * @param maxImagePixels largest width × height accepted, read from the image header before any
 *     pixel is decoded (default 4096 × 4096)
 * @param maxBatch most images in one request (default 256)
 * @param maxJsonBytes largest JSON request body (default 8 MB); larger is answered 413
 */
@ConfigurationProperties("digitlab.serving")
public record ServingSettings(
    @DefaultValue("5242880") long maxImageBytes,
    @DefaultValue("16777216") long maxImagePixels,
    @DefaultValue("256") int maxBatch,
    @DefaultValue("8388608") int maxJsonBytes) {}
