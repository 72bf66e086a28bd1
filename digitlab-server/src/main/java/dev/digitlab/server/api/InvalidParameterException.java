package dev.digitlab.server.api;

import dev.digitlab.protocol.experiment.FieldError;
import java.util.List;

/** A query parameter the API cannot use; answered 400 naming the parameter. */
public final class InvalidParameterException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient FieldError error;

  public InvalidParameterException(String parameter, String message) {
    super(parameter + ": " + message);
    this.error = new FieldError(parameter, message);
  }

  public List<FieldError> errors() {
    return List.of(error);
  }
}
