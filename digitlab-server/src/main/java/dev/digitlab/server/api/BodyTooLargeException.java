package dev.digitlab.server.api;

/** A request body over its limit ({@code digitlab.limits.max-request-size} or another): 413. */
public final class BodyTooLargeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final long limit;

  public BodyTooLargeException(long limit) {
    this(limit, "digitlab.limits.max-request-size");
  }

  /** Over the limit the named setting gives. */
  public BodyTooLargeException(long limit, String setting) {
    super(
        "The request body is larger than "
            + limit
            + " bytes ("
            + setting
            + "); send less at once.");
    this.limit = limit;
  }

  public long limit() {
    return limit;
  }
}
