package dev.digitlab.server.pipelines;

import java.time.Instant;
import java.util.List;

/** A stored step of a run; {@code result} is the JSON the step produced, null until it succeeds. */
public record PipelineStep(
    long id,
    long runId,
    int ordinal,
    String name,
    String type,
    String parameters,
    List<String> dependsOn,
    String sweepParameter,
    String sweepValue,
    int maxAttempts,
    long timeoutMillis,
    StepStatus status,
    int attempts,
    Long trialId,
    Instant startedAt,
    Instant finishedAt,
    String failureReason,
    String result) {}
