package dev.digitlab.protocol.worker;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * {@code POST /api/v1/worker/leases/{trialId}/complete}: how the attempt ended, sent after all its
 * events and artifacts.
 *
 * @param status {@code succeeded}, {@code failed} or {@code cancelled}
 * @param failure why it failed (null otherwise)
 * @param stackTrace the failure's stack trace, for developers (may be null)
 * @param retryable the failure is worth another attempt (the worker's disk, network, a dataset that
 *     could not be fetched), not a property of the config; the server retries with backoff up to
 *     its maximum of attempts
 * @param trainSeconds time spent training (may be null)
 * @param metrics the latest value of every metric the attempt recorded
 */
public record Completion(
    UUID leaseToken,
    String status,
    String failure,
    String stackTrace,
    boolean retryable,
    Double trainSeconds,
    Map<String, Double> metrics) {

  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";
  public static final String CANCELLED = "cancelled";

  public Completion {
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(status, "status");
    metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
  }
}
