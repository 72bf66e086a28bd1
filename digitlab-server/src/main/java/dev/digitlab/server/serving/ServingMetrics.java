package dev.digitlab.server.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Per-model serving metrics, for every protocol a model is served through: {@code
 * digitlab_model_requests_seconds} (a latency histogram whose {@code _count} is the request count)
 * and {@code digitlab_model_errors_total}, tagged {@code model}, {@code version} and {@code
 * protocol} ({@code digitlab}, {@code kserve-v2}, {@code mlflow}).
 *
 * <p>A request that names a model that does not exist is counted under {@code model="unknown"}:
 * tagging it with the name from the URL would let any client create series without bound.
 */
@Component
public class ServingMetrics {

  /** The model tag of errors that happen before a registered model is resolved. */
  public static final String UNKNOWN = "unknown";

  private final MeterRegistry registry;

  ServingMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** One answered request of {@code model} v{@code version}, which took {@code nanos}. */
  public void answered(String protocol, String model, int version, long nanos) {
    Timer.builder("digitlab.model.requests")
        .description("Prediction requests answered per model version, and their latency")
        .tag("model", model)
        .tag("version", Integer.toString(version))
        .tag("protocol", protocol)
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofMillis(1))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry)
        .record(Duration.ofNanos(nanos));
  }

  /**
   * One refused or failed request; {@code model} is {@link #UNKNOWN} and {@code version} null when
   * it failed before a registered model was resolved.
   */
  public void failed(String protocol, String model, Integer version, int status) {
    Counter.builder("digitlab.model.errors")
        .description("Prediction requests answered with an error, per model version and status")
        .tag("model", model)
        .tag("version", version == null ? "" : Integer.toString(version))
        .tag("protocol", protocol)
        .tag("status", Integer.toString(status))
        .register(registry)
        .increment();
  }
}
