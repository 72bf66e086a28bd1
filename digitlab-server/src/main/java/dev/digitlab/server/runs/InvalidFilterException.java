package dev.digitlab.server.runs;

/** A search filter or order that does not follow MLflow's grammar; the message says where. */
public final class InvalidFilterException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public InvalidFilterException(String message) {
    super(message);
  }
}
