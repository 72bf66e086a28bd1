package dev.digitlab.server.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

/**
 * One import at a time. An import holds its whole file and every entry unpacked in memory (up to
 * {@code digitlab.limits.max-import-size}, 512 MB each): a 500 KB gzip of zeros took about 900 MB
 * of heap, so a handful sent at once by one {@code user} would exhaust the server's heap. The body
 * is read only once the slot is held; a request that waits longer than {@code
 * digitlab.limits.import-wait} (30 s) gets a 503 with {@code Retry-After}, its body unread.
 */
@Component
class ImportSlots {

  /** What an import does with the file's bytes once it holds the slot. */
  @FunctionalInterface
  interface Import {
    long of(byte[] file);
  }

  private final Semaphore slot = new Semaphore(1, true);
  private final Duration wait;

  ImportSlots(@Value("${digitlab.limits.import-wait:30s}") Duration wait) {
    this.wait = wait;
  }

  /** Reads {@code body} and runs {@code work} on it while no other import runs. */
  long run(InputStream body, Import work) throws IOException {
    boolean acquired;
    try {
      acquired = slot.tryAcquire(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      acquired = false;
    }
    if (!acquired) {
      throw new ImportsBusyException(wait);
    }
    try {
      return work.of(body.readAllBytes());
    } finally {
      slot.release();
    }
  }

  /** Another import held the slot for the whole wait: a 503 with {@code Retry-After}. */
  static final class ImportsBusyException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    ImportsBusyException(Duration wait) {
      super(HttpStatus.SERVICE_UNAVAILABLE, problem(wait), null);
      getHeaders().set(HttpHeaders.RETRY_AFTER, "5");
    }

    private static ProblemDetail problem(Duration wait) {
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.SERVICE_UNAVAILABLE,
              "Another import is running (imports run one at a time, each may hold its whole file"
                  + " in memory) and did not end within "
                  + wait.toSeconds()
                  + " s (digitlab.limits.import-wait); try again in a few seconds.");
      problem.setTitle("Import busy");
      return problem;
    }
  }
}
