package dev.digitlab.server.web;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code digitlab.web.*}: how much of the machine the HTML pages may take.
 *
 * @param renderThreads pages rendered at once (default 0 = half the cores, at least 1), so that a
 *     flood of page requests never takes every core from health checks and the API (issue 15: 50
 *     connections on {@code /} pushed {@code /actuator/health} to seconds)
 * @param renderWait how long a page request waits for a slot; then a {@code 503} with {@code
 *     Retry-After: 1}. Long enough that a busy machine's ordinary page loads (a page and its
 *     fragments) are never refused
 * @param renderQueue page requests that may wait at once; more are a {@code 503} at once, so that
 *     waiting pages never hold so many of Tomcat's threads (200) that health and the API wait for
 *     one
 */
@ConfigurationProperties("digitlab.web")
public record PageSettings(
    @DefaultValue("0") int renderThreads,
    @DefaultValue("10s") Duration renderWait,
    @DefaultValue("64") int renderQueue) {

  /** {@link #renderThreads}, with 0 resolved to half the cores (at least 1). */
  public int renderSlots() {
    return renderThreads > 0
        ? renderThreads
        : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }
}
