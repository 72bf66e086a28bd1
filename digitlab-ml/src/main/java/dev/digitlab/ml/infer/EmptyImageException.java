package dev.digitlab.ml.infer;

/** An image in which preprocessing finds no ink: there is no digit to classify. */
public final class EmptyImageException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public EmptyImageException(String message) {
    super(message);
  }
}
