package dev.digitlab.server.api;

/**
 * The caller holds as many of something as one caller may (open event streams): 429 with what to
 * do. Nothing was opened or changed.
 */
public final class TooManyRequestsException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public TooManyRequestsException(String message) {
    super(message);
  }
}
