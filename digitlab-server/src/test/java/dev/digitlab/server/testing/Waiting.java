package dev.digitlab.server.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.function.Predicate;
import java.util.function.Supplier;

/** Polls for a state that real work (training, a browser) reaches in its own time. */
public final class Waiting {

  private Waiting() {}

  /**
   * The first value {@code read} returns that satisfies {@code done}, read every 100 ms; an
   * AssertionError naming {@code what} and the last value seen after {@code limit}.
   */
  public static <T> T until(Supplier<T> read, Predicate<T> done, Duration limit, String what)
      throws InterruptedException {
    Instant deadline = Instant.now().plus(limit);
    T value = read.get();
    while (!done.test(value)) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError(what + " did not happen in " + limit + "; last seen: " + value);
      }
      Thread.sleep(100);
      value = read.get();
    }
    return value;
  }

  /**
   * Waits for {@code latch} where {@link InterruptedException} cannot be thrown (a transaction's
   * callback holding its transaction open at a chosen point of a race test).
   */
  public static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }
}
