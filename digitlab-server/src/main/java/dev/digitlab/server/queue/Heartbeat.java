package dev.digitlab.server.queue;

import java.time.Instant;

/** The answer to a heartbeat: the lease's new expiry, and whether a user asked to cancel. */
public record Heartbeat(Instant expiresAt, boolean cancelRequested) {}
