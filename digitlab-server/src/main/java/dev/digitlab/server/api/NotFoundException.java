package dev.digitlab.server.api;

/**
 * A resource the request names does not exist; answered 404. Features extend it for their own
 * missing things, so that the API and the pages map one type without knowing the features.
 */
public class NotFoundException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public NotFoundException(String kind, long id) {
    this("There is no " + kind + " with id " + id + ".");
  }

  /** With a message that says what is missing and, where it helps, how to get it. */
  public NotFoundException(String message) {
    super(message);
  }
}
