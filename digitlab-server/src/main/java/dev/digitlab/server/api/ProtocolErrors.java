package dev.digitlab.server.api;

import java.io.Serial;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The error shape of the foreign protocols Digit Lab speaks whose clients read their own: MLflow's
 * clients raise on {@code {"error_code": …, "message": …}} and show the code, so every refusal
 * under MLflow's paths — a filter's (authentication, host, size) as much as a handler's — is
 * written that way. Everything else gets problem details. Lives here, not in the MLflow feature,
 * because filters that answer before any handler (security, limits) write it.
 */
public final class ProtocolErrors {

  private static final String[] MLFLOW_PREFIXES = {
    "/api/2.0/mlflow/",
    "/ajax-api/2.0/mlflow/",
    "/api/2.0/mlflow-artifacts/",
    "/ajax-api/2.0/mlflow-artifacts/"
  };

  private ProtocolErrors() {}

  /** Whether {@code path} (without the context path) is under one of MLflow's API prefixes. */
  public static boolean isMlflow(String path) {
    for (String prefix : MLFLOW_PREFIXES) {
      if (path.startsWith(prefix) || path.equals(prefix.substring(0, prefix.length() - 1))) {
        return true;
      }
    }
    return false;
  }

  /**
   * MLflow's error code for an HTTP status, as MLflow's server pairs them ({@code
   * mlflow.protos.databricks_pb2} and {@code get_http_status_code}): the code a client shows.
   */
  public static String mlflowCode(int status) {
    return switch (status) {
      case 401 -> "UNAUTHENTICATED";
      case 403 -> "PERMISSION_DENIED";
      case 404 -> "ENDPOINT_NOT_FOUND";
      case 400, 405, 406, 415 -> "BAD_REQUEST";
      case 413 -> "INVALID_PARAMETER_VALUE";
      case 429 -> "REQUEST_LIMIT_EXCEEDED";
      case 503 -> "TEMPORARILY_UNAVAILABLE";
      default -> status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
    };
  }

  /** MLflow's error body. */
  public static Map<String, String> mlflowBody(String code, String message) {
    Map<String, String> body = new LinkedHashMap<>();
    body.put("error_code", code);
    body.put("message", message);
    return body;
  }

  /**
   * MLflow's error body for a message the MLflow handlers wrote themselves, passed on as written:
   * it quotes what the client sent (a filter, a key in backquotes such as {@code metrics.`val
   * loss`}), which taking out Java type names ({@link ErrorText}) would garble. Text quoted from a
   * parser or another component is scrubbed where it is quoted.
   */
  public static Map<String, String> mlflowBodyAsWritten(String code, String message) {
    Map<String, String> body = new AsWritten();
    body.put("error_code", code);
    body.put("message", message);
    return body;
  }

  /** Whether {@code body} is one of {@link #mlflowBodyAsWritten}'s. */
  static boolean isAsWritten(Object body) {
    return body instanceof AsWritten;
  }

  /** Marks a body {@link ProblemCorrelation} passes on unchanged. */
  private static final class AsWritten extends LinkedHashMap<String, String> {
    @Serial private static final long serialVersionUID = 1L;
  }
}
