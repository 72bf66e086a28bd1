package dev.digitlab.protocol.worker;

/**
 * The answer to a heartbeat whose lease still holds (a lost one answers 409).
 *
 * @param expiresAtMillis the lease's new expiry, epoch milliseconds
 * @param cancelRequested a user asked to stop the trial: end the attempt as cancelled
 */
public record HeartbeatAnswer(long expiresAtMillis, boolean cancelRequested) {}
