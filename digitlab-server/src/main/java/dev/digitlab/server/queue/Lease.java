package dev.digitlab.server.queue;

import java.time.Instant;
import java.util.UUID;

/**
 * A claimed trial: which attempt it is, the token that fences every later heartbeat and completion,
 * when the lease runs out without a heartbeat, the config (JSON) to train, and the checkpoint it
 * resumes from (null: from scratch).
 */
public record Lease(
    long trialId,
    int attempt,
    UUID leaseToken,
    Instant expiresAt,
    String config,
    ResumePoint resumeFrom) {

  /** The seq of this attempt's first event: one past the checkpoint's event, else 1. */
  public long firstSeq() {
    return resumeFrom == null ? 1 : resumeFrom.seq() + 1;
  }
}
