package dev.digitlab.server.experiments;

/** How many of an experiment's trials are in each status. */
public record TrialCounts(
    int queued, int running, int succeeded, int failed, int cancelled, int pruned) {

  /** Counts without pruned trials. */
  public TrialCounts(int queued, int running, int succeeded, int failed, int cancelled) {
    this(queued, running, succeeded, failed, cancelled, 0);
  }

  public int total() {
    return queued + running + succeeded + failed + cancelled + pruned;
  }

  /** Both counts added up. */
  TrialCounts sum(TrialCounts other) {
    return new TrialCounts(
        queued + other.queued,
        running + other.running,
        succeeded + other.succeeded,
        failed + other.failed,
        cancelled + other.cancelled,
        pruned + other.pruned);
  }

  /** Counts with one more trial in the stored status {@code status}. */
  TrialCounts plus(String status, int count) {
    return switch (status) {
      case "queued" ->
          new TrialCounts(queued + count, running, succeeded, failed, cancelled, pruned);
      case "running" ->
          new TrialCounts(queued, running + count, succeeded, failed, cancelled, pruned);
      case "succeeded" ->
          new TrialCounts(queued, running, succeeded + count, failed, cancelled, pruned);
      case "failed" ->
          new TrialCounts(queued, running, succeeded, failed + count, cancelled, pruned);
      case "pruned" ->
          new TrialCounts(queued, running, succeeded, failed, cancelled, pruned + count);
      case "cancelled" ->
          new TrialCounts(queued, running, succeeded, failed, cancelled + count, pruned);
      default -> throw new IllegalStateException("Unknown trial status in the database: " + status);
    };
  }
}
