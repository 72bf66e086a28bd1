package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.TrialEvent;
import java.util.List;

/**
 * Where a run's events go, a batch at a time: the server's event table for the embedded worker, an
 * HTTP POST (with an on-disk buffer) for a remote one.
 *
 * <p>Called on the training thread, in sequence order, never concurrently; a slow sink slows
 * training, so a sink that may block for long should queue and return. An exception from {@link
 * #append} ends the run with an {@link EventDeliveryException}: with nowhere to report, there is
 * nothing useful left to do.
 */
@FunctionalInterface
public interface EventSink {

  /** Takes a non-empty batch of events with consecutive sequence numbers. */
  void append(List<TrialEvent> batch) throws InterruptedException;
}
