package dev.digitlab.server.api;

/** A request body over {@code digitlab.limits.max-request-size}: answered 413. */
public final class BodyTooLargeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long limit;

  public BodyTooLargeException(long limit) {
    super(
        "The request body is larger than "
            + limit
            + " bytes (digitlab.limits.max-request-size); send less at once.");
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }
}
