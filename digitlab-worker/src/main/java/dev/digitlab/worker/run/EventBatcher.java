package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.TrialEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Numbers an attempt's events and hands them to the sink in batches. Used on the training thread
 * only, so it needs no locking (a command run, whose events come from several threads, holds one
 * lock around it).
 *
 * <p>A sink that {@linkplain EventSink#prefersBackground() prefers the background} (the embedded
 * worker's, which commits each batch to the database) gets the periodic batches, those sent because
 * they are full or old, from a delivery thread, one batch at a time and in order: the training
 * thread only waits when the previous batch is still being delivered. Measured on a 1-epoch mlp in
 * the server, the commits on the training thread were most of the platform's overhead over {@code
 * digitlab train} (bench/platform-overhead.sh). {@link #flush()} (status changes, epoch ends, the
 * end of the run) still returns only once every batch is delivered, and a background delivery's
 * failure is thrown on the training thread at its next event or flush.
 */
public final class EventBatcher {

  private final EventSink sink;
  private final Clock clock;
  private final int maxEvents;
  private final long maxDelayMillis;
  private final List<TrialEvent> buffer = new ArrayList<>();
  private final boolean background;
  private long nextSeq;
  private long oldestMillis;
  private Thread delivering;
  private volatile RuntimeException deliveryFailure;

  public EventBatcher(EventSink sink, long firstSeq, Clock clock, EventBatching batching) {
    this.sink = sink;
    this.clock = clock;
    this.nextSeq = firstSeq;
    this.maxEvents = batching.maxBatchEvents();
    this.maxDelayMillis = batching.maxBatchDelay().toMillis();
    this.background = sink.prefersBackground();
  }

  /** Numbers {@code payload}; sends the batch if it is full or old enough. */
  public void add(EventPayload payload) {
    throwDeliveryFailure();
    long now = clock.millis();
    if (buffer.isEmpty()) {
      oldestMillis = now;
    }
    buffer.add(TrialEvent.of(nextSeq++, clock.instant(), payload));
    if (buffer.size() >= maxEvents || now - oldestMillis >= maxDelayMillis) {
      if (background) {
        handOver();
      } else {
        flush();
      }
    }
  }

  /** Adds {@code payload} and sends everything buffered. */
  public void addAndFlush(EventPayload payload) {
    add(payload);
    flush();
  }

  /** Sends what is buffered, if anything, once every earlier batch is delivered. */
  public void flush() {
    awaitDelivery();
    if (buffer.isEmpty()) {
      return;
    }
    deliver(take());
  }

  /** Starts delivering the buffered batch on a thread of its own, after the previous one. */
  private void handOver() {
    awaitDelivery();
    List<TrialEvent> batch = take();
    // A thread per batch (a few a second) rather than an executor: nothing to shut down when the
    // run ends or fails. Never interrupted: an interrupt during an H2 commit closes the database.
    delivering =
        Thread.ofPlatform()
            .daemon()
            .name("event-delivery-" + batch.getFirst().seq())
            .start(
                () -> {
                  try {
                    deliver(batch);
                  } catch (RuntimeException e) {
                    deliveryFailure = e;
                  }
                });
  }

  /** Waits for the batch being delivered in the background, if any; throws its failure. */
  private void awaitDelivery() {
    if (delivering != null) {
      try {
        delivering.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new DeliveryInterrupted(e);
      }
      delivering = null;
    }
    throwDeliveryFailure();
  }

  private void throwDeliveryFailure() {
    RuntimeException failure = deliveryFailure;
    if (failure != null) {
      deliveryFailure = null;
      throw failure;
    }
  }

  private List<TrialEvent> take() {
    List<TrialEvent> batch = List.copyOf(buffer);
    buffer.clear();
    return batch;
  }

  private void deliver(List<TrialEvent> batch) {
    try {
      sink.append(batch);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new DeliveryInterrupted(e);
    } catch (RuntimeException e) {
      throw new EventDeliveryException(
          "could not deliver events "
              + batch.getFirst().seq()
              + "–"
              + batch.getLast().seq()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /** The sequence number of the last event numbered so far; one less than the first if none. */
  public long lastSeq() {
    return nextSeq - 1;
  }

  /**
   * The sink was interrupted inside a trainer callback, where a checked exception cannot pass; the
   * runner turns it back into an {@link InterruptedException}.
   */
  public static final class DeliveryInterrupted extends RuntimeException {

    private static final long serialVersionUID = 1L;

    DeliveryInterrupted(InterruptedException cause) {
      super(cause);
    }
  }
}
