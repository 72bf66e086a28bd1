package dev.digitlab.protocol.worker;

import java.util.List;

/**
 * One worker as {@code GET /api/v1/workers} lists it.
 *
 * @param currentTrials the trials it holds leases on
 * @param lastHeartbeat ISO-8601 instant of its last request
 * @param state {@code idle}, {@code busy} (holds at least one lease) or {@code lost} (silent for
 *     longer than a lease)
 */
public record WorkerInfo(
    String name,
    String host,
    int slots,
    List<String> capabilities,
    List<Long> currentTrials,
    String lastHeartbeat,
    double imagesPerSecond,
    String state) {}
