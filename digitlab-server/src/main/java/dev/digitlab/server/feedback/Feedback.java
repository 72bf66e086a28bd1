package dev.digitlab.server.feedback;

import java.time.Instant;

/**
 * A user-labelled image kept for retraining.
 *
 * @param modelVersion the version that made {@code predicted}; null when none did
 * @param usedByTrial the retraining trial whose success consumed it; null while unused
 * @param heldOut fixed at intake: held-out images only evaluate retrained versions
 */
public record Feedback(
    long id,
    String model,
    Integer modelVersion,
    Integer predicted,
    Double confidence,
    int label,
    String imageFile,
    String imageSha256,
    Long usedByTrial,
    boolean heldOut,
    Instant createdAt) {}
