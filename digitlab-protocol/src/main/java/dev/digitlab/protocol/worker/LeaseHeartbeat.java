package dev.digitlab.protocol.worker;

import java.util.Objects;
import java.util.UUID;

/**
 * {@code POST /api/v1/worker/leases/{trialId}/heartbeat}: keeps the lease.
 *
 * @param worker the worker's name, whose last heartbeat and images/s this also updates
 * @param imagesPerSecond the attempt's current training speed (0 when unknown)
 */
public record LeaseHeartbeat(UUID leaseToken, String worker, double imagesPerSecond) {

  public LeaseHeartbeat {
    Objects.requireNonNull(leaseToken, "leaseToken");
    Objects.requireNonNull(worker, "worker");
  }
}
