package dev.digitlab.server.pipelines;

import java.time.Instant;

/** One execution of a step: one bar of the Gantt chart, one OpenTelemetry span. */
public record StepAttempt(
    long stepId,
    String stepName,
    int attempt,
    String status,
    Instant startedAt,
    Instant finishedAt,
    String error,
    String spanId) {}
