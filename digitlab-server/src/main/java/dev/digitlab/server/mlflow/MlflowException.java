package dev.digitlab.server.mlflow;

/**
 * An error as MLflow reports it: {@code {"error_code": …, "message": …}} with the HTTP status
 * MLflow's server gives that code.
 */
final class MlflowException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String errorCode;
  private final int status;

  private MlflowException(String errorCode, int status, String message) {
    super(message);
    this.errorCode = errorCode;
    this.status = status;
  }

  String errorCode() {
    return errorCode;
  }

  int status() {
    return status;
  }

  static MlflowException notFound(String message) {
    return new MlflowException("RESOURCE_DOES_NOT_EXIST", 404, message);
  }

  static MlflowException invalid(String message) {
    return new MlflowException("INVALID_PARAMETER_VALUE", 400, message);
  }

  static MlflowException alreadyExists(String message) {
    return new MlflowException("RESOURCE_ALREADY_EXISTS", 400, message);
  }

  static MlflowException badRequest(String message) {
    return new MlflowException("BAD_REQUEST", 400, message);
  }

  static MlflowException permissionDenied(String message) {
    return new MlflowException("PERMISSION_DENIED", 403, message);
  }

  static MlflowException endpointNotFound(String message) {
    return new MlflowException("ENDPOINT_NOT_FOUND", 404, message);
  }
}
