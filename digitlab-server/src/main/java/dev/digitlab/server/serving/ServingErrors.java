package dev.digitlab.server.serving;

import dev.digitlab.ml.infer.ImageRejectedException;
import dev.digitlab.server.api.BodyTooLargeException;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.ErrorResponse;

/**
 * The HTTP status of an exception thrown while serving through a protocol that has its own error
 * shape (KServe V2, MLflow), so that those controllers answer with the status Digit Lab's own API
 * would give the same mistake.
 */
public final class ServingErrors {

  private ServingErrors() {}

  public static HttpStatusCode status(RuntimeException e) {
    return switch (e) {
      case NotFoundException ignored -> HttpStatus.NOT_FOUND;
      case BodyTooLargeException ignored -> HttpStatus.CONTENT_TOO_LARGE;
      case ConflictException ignored -> HttpStatus.CONFLICT;
      case ImageTensor.TensorException ignored -> HttpStatus.BAD_REQUEST;
      case InvalidParameterException ignored -> HttpStatus.BAD_REQUEST;
      case ImageRejectedException ignored -> HttpStatus.BAD_REQUEST;
      case TypeMismatchException ignored -> HttpStatus.BAD_REQUEST;
      case IllegalArgumentException ignored -> HttpStatus.BAD_REQUEST;
      case ErrorResponse response -> response.getStatusCode();
      default -> HttpStatus.INTERNAL_SERVER_ERROR;
    };
  }

  /** The message to show, never null. */
  public static String message(RuntimeException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
