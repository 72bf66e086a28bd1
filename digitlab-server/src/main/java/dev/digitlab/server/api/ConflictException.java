package dev.digitlab.server.api;

/**
 * The request is valid but the resource's current state does not allow it; answered 409. Features
 * extend it (a lost lease, a trial that changed meanwhile), so the API maps one type.
 */
public class ConflictException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConflictException(String message) {
    super(message);
  }
}
