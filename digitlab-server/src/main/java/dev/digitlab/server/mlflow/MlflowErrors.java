package dev.digitlab.server.mlflow;

import dev.digitlab.server.api.BodyTooLargeException;
import dev.digitlab.server.api.ProtocolErrors;
import dev.digitlab.server.runs.InvalidFilterException;
import dev.digitlab.server.security.NotOwnerException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Errors of the MLflow API in MLflow's shape ({@code error_code}, {@code message}), not as problem
 * details: MLflow clients read the code. Ahead of the general handler, for this package's
 * controllers only. Messages go out as written (they quote the client's filter and keys); one that
 * quotes a parser's or another component's text scrubs it where it quotes it ({@code
 * ErrorText.scrub}).
 */
@RestControllerAdvice(basePackageClasses = MlflowErrors.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class MlflowErrors {

  private static final Logger log = LoggerFactory.getLogger(MlflowErrors.class);

  @ExceptionHandler
  ResponseEntity<Map<String, String>> mlflow(MlflowException e) {
    log.warn("{} {}: {}", e.status(), e.errorCode(), e.getMessage());
    return body(e.status(), e.errorCode(), e.getMessage());
  }

  @ExceptionHandler
  ResponseEntity<Map<String, String>> filter(InvalidFilterException e) {
    return mlflow(MlflowException.invalid(e.getMessage()));
  }

  @ExceptionHandler
  ResponseEntity<Map<String, String>> notOwner(NotOwnerException e) {
    return mlflow(MlflowException.permissionDenied(e.getMessage()));
  }

  @ExceptionHandler
  ResponseEntity<Map<String, String>> tooLarge(BodyTooLargeException e) {
    return mlflow(MlflowException.invalid(e.getMessage()));
  }

  static ResponseEntity<Map<String, String>> body(int status, String code, String message) {
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(ProtocolErrors.mlflowBodyAsWritten(code, message));
  }
}
