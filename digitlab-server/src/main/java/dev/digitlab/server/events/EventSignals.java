package dev.digitlab.server.events;

import dev.digitlab.protocol.event.EventType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * Tells the event streams of this process that events were stored, so that they send them at once
 * instead of at their next poll, and counts stored events for Prometheus ({@code
 * digitlab_events_ingested_total{type}}). Streams still poll: another server on the same database
 * appends without signalling here.
 */
@Component
public class EventSignals {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition appended = lock.newCondition();
  private final Map<EventType, Counter> ingested = new EnumMap<>(EventType.class);
  private long version;

  public EventSignals(MeterRegistry registry) {
    for (EventType type : EventType.values()) {
      ingested.put(
          type,
          Counter.builder("digitlab.events.ingested")
              .description("Events stored in trials' event streams")
              .tag("type", type.wireName())
              .register(registry));
    }
  }

  /** The current version; pass it to {@link #awaitAfter} to wait for any later append. */
  public long version() {
    lock.lock();
    try {
      return version;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Waits until events are appended after {@code seenVersion} was read, or {@code timeout} passes.
   */
  public void awaitAfter(long seenVersion, Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (version == seenVersion && nanos > 0) {
        nanos = appended.awaitNanos(nanos);
      }
    } finally {
      lock.unlock();
    }
  }

  void appended(Map<EventType, Integer> storedByType) {
    storedByType.forEach((type, count) -> ingested.get(type).increment(count));
    lock.lock();
    try {
      version++;
      appended.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
