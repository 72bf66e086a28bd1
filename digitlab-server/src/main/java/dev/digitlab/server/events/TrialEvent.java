package dev.digitlab.server.events;

import dev.digitlab.protocol.event.EventType;
import java.time.Instant;

/**
 * A stored event. {@code id} orders all events of a trial as they were stored and is what a client
 * resuming a stream sends back (SSE Last-Event-ID).
 */
public record TrialEvent(
    long id,
    long trialId,
    int attempt,
    long seq,
    EventType type,
    String payload,
    Instant createdAt) {}
