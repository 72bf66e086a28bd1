package dev.digitlab.server.queue;

import java.time.Instant;
import java.util.UUID;

/**
 * A claimed trial: which attempt it is, the token that fences every later heartbeat and completion,
 * when the lease runs out without a heartbeat, and the config (JSON) to train.
 */
public record Lease(long trialId, int attempt, UUID leaseToken, Instant expiresAt, String config) {}
