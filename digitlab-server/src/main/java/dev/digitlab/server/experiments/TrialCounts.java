package dev.digitlab.server.experiments;

/** How many of an experiment's trials are in each status. */
public record TrialCounts(int queued, int running, int succeeded, int failed, int cancelled) {

  public int total() {
    return queued + running + succeeded + failed + cancelled;
  }

  /** Both counts added up. */
  TrialCounts sum(TrialCounts other) {
    return new TrialCounts(
        queued + other.queued,
        running + other.running,
        succeeded + other.succeeded,
        failed + other.failed,
        cancelled + other.cancelled);
  }

  /** Counts with one more trial in the stored status {@code status}. */
  TrialCounts plus(String status, int count) {
    return switch (status) {
      case "queued" -> new TrialCounts(queued + count, running, succeeded, failed, cancelled);
      case "running" -> new TrialCounts(queued, running + count, succeeded, failed, cancelled);
      case "succeeded" -> new TrialCounts(queued, running, succeeded + count, failed, cancelled);
      case "failed" -> new TrialCounts(queued, running, succeeded, failed + count, cancelled);
      case "cancelled" -> new TrialCounts(queued, running, succeeded, failed, cancelled + count);
      default -> throw new IllegalStateException("Unknown trial status in the database: " + status);
    };
  }
}
