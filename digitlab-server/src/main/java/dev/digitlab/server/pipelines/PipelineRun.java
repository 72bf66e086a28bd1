package dev.digitlab.server.pipelines;

import java.time.Instant;

/** A stored run of a pipeline document. */
public record PipelineRun(
    long id,
    String name,
    String description,
    String spec,
    int maxParallel,
    RunStatus status,
    String traceId,
    Instant createdAt,
    Instant finishedAt,
    String failureReason) {}
