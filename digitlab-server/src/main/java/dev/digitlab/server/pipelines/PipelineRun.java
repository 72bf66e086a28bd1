package dev.digitlab.server.pipelines;

import java.time.Instant;

/**
 * A stored run of a pipeline document. {@code owner} started it, and owns the experiments its train
 * steps make.
 */
public record PipelineRun(
    long id,
    String name,
    String owner,
    String description,
    String spec,
    int maxParallel,
    RunStatus status,
    String traceId,
    Instant createdAt,
    Instant finishedAt,
    String failureReason) {}
