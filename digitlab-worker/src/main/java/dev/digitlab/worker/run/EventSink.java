package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.TrialEvent;
import java.util.List;

/**
 * Where a run's events go, a batch at a time: the server's event table for the embedded worker, an
 * HTTP POST (with an on-disk buffer) for a remote one.
 *
 * <p>Called in sequence order, never concurrently, on the training thread, or for the periodic
 * batches of a sink that {@linkplain #prefersBackground() prefers it} on a delivery thread; a slow
 * sink on the training thread slows training, so a sink that may block for long should queue and
 * return, or prefer the background. An exception from {@link #append} ends the run with an {@link
 * EventDeliveryException}: with nowhere to report, there is nothing useful left to do.
 */
@FunctionalInterface
public interface EventSink {

  /** Takes a non-empty batch of events with consecutive sequence numbers. */
  void append(List<TrialEvent> batch) throws InterruptedException;

  /**
   * Whether the periodic batches (full, or old enough) should reach {@link #append} from a
   * background thread, so that the training thread does not wait for them: for a sink that commits
   * to a database. Status changes, epoch ends and the end of the run are still delivered before the
   * run goes on.
   */
  default boolean prefersBackground() {
    return false;
  }
}
