package dev.digitlab.worker.run;

/**
 * Asks a running attempt to stop. Thread-safe: the server's cancel handler or the worker's poll
 * loop calls {@link #cancel()}, the training thread sees it before its next batch.
 */
public final class CancellationToken {

  private volatile boolean cancelled;

  /** Requests the stop; calling it again does nothing. */
  public void cancel() {
    cancelled = true;
  }

  /** Whether a stop was requested. */
  public boolean isCancelled() {
    return cancelled;
  }
}
