package dev.digitlab.server.queue;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.stereotype.Component;

/**
 * Wakes this process's idle worker slots when trials are queued, so a submission starts running in
 * milliseconds instead of at the next poll. Polling stays as the fallback: trials queued by another
 * server on the same database are found at the next poll.
 *
 * <p>A slot reads {@link #generation()} before it looks at the queue and waits for a later one, so
 * a submission that lands between the look and the wait is not missed.
 */
@Component
public class QueueSignal {

  private final ReentrantLock lock = new ReentrantLock();
  private final Condition queued = lock.newCondition();
  private long generation;

  /** Says that trials were queued (submitted, retried or put back). */
  public void trialsQueued() {
    lock.lock();
    try {
      generation++;
      queued.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The current generation, to pass to {@link #awaitAfter}. */
  public long generation() {
    lock.lock();
    try {
      return generation;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until trials were queued after generation {@code seen}, or {@code timeout} passed. */
  public void awaitAfter(long seen, Duration timeout) throws InterruptedException {
    long remaining = timeout.toNanos();
    lock.lock();
    try {
      while (generation == seen && remaining > 0) {
        remaining = queued.awaitNanos(remaining);
      }
    } finally {
      lock.unlock();
    }
  }
}
