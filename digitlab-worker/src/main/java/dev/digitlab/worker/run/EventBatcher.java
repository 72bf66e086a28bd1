package dev.digitlab.worker.run;

import dev.digitlab.protocol.event.EventPayload;
import dev.digitlab.protocol.event.TrialEvent;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Numbers an attempt's events and hands them to the sink in batches. Not thread-safe: a training
 * run uses it on the training thread only, so it needs no locking (a command run, whose events come
 * from several threads, holds one lock around it); a background flusher would buy little, because
 * events only arise on that thread and every epoch end flushes anyway.
 */
public final class EventBatcher {

  private final EventSink sink;
  private final Clock clock;
  private final int maxEvents;
  private final long maxDelayMillis;
  private final List<TrialEvent> buffer = new ArrayList<>();
  private long nextSeq;
  private long oldestMillis;

  public EventBatcher(EventSink sink, long firstSeq, Clock clock, EventBatching batching) {
    this.sink = sink;
    this.clock = clock;
    this.nextSeq = firstSeq;
    this.maxEvents = batching.maxBatchEvents();
    this.maxDelayMillis = batching.maxBatchDelay().toMillis();
  }

  /** Numbers {@code payload}; sends the batch if it is full or old enough. */
  public void add(EventPayload payload) {
    long now = clock.millis();
    if (buffer.isEmpty()) {
      oldestMillis = now;
    }
    buffer.add(TrialEvent.of(nextSeq++, clock.instant(), payload));
    if (buffer.size() >= maxEvents || now - oldestMillis >= maxDelayMillis) {
      flush();
    }
  }

  /** Adds {@code payload} and sends everything buffered. */
  public void addAndFlush(EventPayload payload) {
    add(payload);
    flush();
  }

  /** Sends what is buffered, if anything. */
  public void flush() {
    if (buffer.isEmpty()) {
      return;
    }
    List<TrialEvent> batch = List.copyOf(buffer);
    buffer.clear();
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
