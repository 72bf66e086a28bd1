package dev.digitlab.server.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.util.unit.DataSize;
import org.springframework.web.ErrorResponseException;

/**
 * One import at a time. An import holds its whole file and every entry unpacked in memory (up to
 * {@code digitlab.limits.max-import-size}, 512 MB each): a 500 KB gzip of zeros took about 900 MB
 * of heap, so a handful sent at once by one {@code user} would exhaust the server's heap.
 *
 * <p>Only that part is one at a time. The body is first received into a temporary file ({@link
 * TransferSpace}), outside the slot, so that a client sending it slowly holds no one else up (it
 * used to hold the slot while it trickled, and every other import got a 503): the body must arrive
 * within {@code digitlab.limits.import-upload-time} (15 min) and, after its first 10 s, at {@code
 * digitlab.limits.import-min-rate} (16 KB/s) on average, else a 408; over {@code
 * digitlab.limits.max-import-size} it is a 413 ({@code api/RequestSizeFilter} counts it). Then the
 * import waits for the slot; one that waits longer than {@code digitlab.limits.import-wait} (30 s)
 * gets a 503 with {@code Retry-After}. The file is deleted when the request ends, whatever the
 * answer.
 */
@Component
class ImportSlots {

  /** How long a body may take before its average rate counts. */
  static final Duration RATE_GRACE = Duration.ofSeconds(10);

  /** What an import does with the file's bytes once it holds the slot. */
  @FunctionalInterface
  interface Import {
    long of(byte[] file);
  }

  private final Semaphore slot = new Semaphore(1, true);
  private final Duration wait;
  private final Duration uploadTime;
  private final long minRate;
  private final TransferSpace space;

  ImportSlots(
      @Value("${digitlab.limits.import-wait:30s}") Duration wait,
      @Value("${digitlab.limits.import-upload-time:15m}") Duration uploadTime,
      @Value("${digitlab.limits.import-min-rate:16KB}") DataSize minRate,
      TransferSpace space) {
    this.wait = wait;
    this.uploadTime = uploadTime;
    this.minRate = minRate.toBytes();
    this.space = space;
  }

  /** Receives {@code body}, then runs {@code work} on it while no other import runs. */
  long run(InputStream body, Import work) throws IOException {
    Path file = space.newFile("import-");
    try {
      receive(body, file);
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
        return work.of(Files.readAllBytes(file));
      } finally {
        slot.release();
      }
    } finally {
      Files.deleteIfExists(file);
    }
  }

  /**
   * Copies the body to {@code file}, checking its pace after every read. A client that sends
   * nothing at all is cut by the container's read timeout (the connection timeout) instead; both
   * are a 408.
   */
  private void receive(InputStream body, Path file) throws IOException {
    long start = System.nanoTime();
    long received = 0;
    byte[] buffer = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int n; (n = body.read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
        received += n;
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        if (elapsed.compareTo(uploadTime) > 0) {
          throw new UploadTooSlowException(
              "The file did not arrive within "
                  + uploadTime.toSeconds()
                  + " s (digitlab.limits.import-upload-time): "
                  + received
                  + " bytes came. Send it again over a faster connection.");
        }
        if (elapsed.compareTo(RATE_GRACE) > 0 && received < minRate * elapsed.toSeconds()) {
          throw new UploadTooSlowException(
              "The file arrives at "
                  + received / Math.max(1, elapsed.toSeconds())
                  + " bytes/s, below the "
                  + minRate
                  + " bytes/s an import must keep (digitlab.limits.import-min-rate). Send it"
                  + " again over a faster connection.");
        }
      }
    } catch (IOException e) {
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof SocketTimeoutException) {
          throw new UploadTooSlowException(
              "The file stopped arriving (no byte within the server's read timeout) after "
                  + received
                  + " bytes. Send it again.");
        }
      }
      throw e;
    }
  }

  /** Another import held the slot for the whole wait: a 503 with {@code Retry-After}. */
  static final class ImportsBusyException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    ImportsBusyException(Duration wait) {
      super(
          HttpStatus.SERVICE_UNAVAILABLE,
          problem(
              HttpStatus.SERVICE_UNAVAILABLE,
              "Import busy",
              "Another import is running (imports run one at a time, each may hold its whole"
                  + " file in memory) and did not end within "
                  + wait.toSeconds()
                  + " s (digitlab.limits.import-wait); try again in a few seconds."),
          null);
      getHeaders().set(HttpHeaders.RETRY_AFTER, "5");
    }
  }

  /**
   * The body came too slowly: a 408, and the connection is closed (what is still on its way is not
   * read).
   */
  static final class UploadTooSlowException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    UploadTooSlowException(String detail) {
      super(
          HttpStatus.REQUEST_TIMEOUT,
          problem(HttpStatus.REQUEST_TIMEOUT, "Upload too slow", detail),
          null);
      getHeaders().set(HttpHeaders.CONNECTION, "close");
    }
  }

  private static ProblemDetail problem(HttpStatus status, String title, String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setTitle(title);
    return problem;
  }
}
