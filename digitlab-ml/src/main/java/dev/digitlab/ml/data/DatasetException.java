package dev.digitlab.ml.data;

/** A dataset could not be read, fetched or stored; the message tells the user what to do. */
public final class DatasetException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DatasetException(String message) {
    super(message);
  }

  public DatasetException(String message, Throwable cause) {
    super(message, cause);
  }
}
