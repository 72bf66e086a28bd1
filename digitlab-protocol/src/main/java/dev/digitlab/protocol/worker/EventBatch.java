package dev.digitlab.protocol.worker;

import dev.digitlab.protocol.event.TrialEvent;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * {@code POST /api/v1/worker/leases/{trialId}/events}: a batch of the leased attempt's events, in
 * seq order. Stored all or none, idempotently by (trial, attempt, seq), only while the lease holds.
 */
public record EventBatch(UUID leaseToken, int attempt, List<TrialEvent> events) {

  public EventBatch {
    Objects.requireNonNull(leaseToken, "leaseToken");
    events = List.copyOf(events);
  }
}
