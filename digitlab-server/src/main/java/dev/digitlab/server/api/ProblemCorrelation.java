package dev.digitlab.server.api;

import dev.digitlab.protocol.experiment.FieldError;
import jakarta.servlet.http.HttpServletRequest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.http.server.ServletServerHttpRequest;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Adds the request's {@code correlationId} to every problem detail the API writes, whichever
 * handler made it, so that a user can quote it and an operator find the log lines; takes Java type
 * names out of every error body ({@link ErrorText}), whichever protocol's shape it has; and under
 * MLflow's paths turns a problem into MLflow's error body ({@link ProtocolErrors}).
 */
@ControllerAdvice
class ProblemCorrelation implements ResponseBodyAdvice<Object> {

  private static final Logger log = LoggerFactory.getLogger(ProblemCorrelation.class);

  @Override
  public boolean supports(
      MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
    return true;
  }

  @Override
  public Object beforeBodyWrite(
      Object body,
      MethodParameter returnType,
      MediaType contentType,
      Class<? extends HttpMessageConverter<?>> converterType,
      ServerHttpRequest request,
      ServerHttpResponse response) {
    if (ProtocolErrors.isAsWritten(body)) {
      return body;
    }
    if (body instanceof Map<?, ?> map
        && (map.containsKey("error_code") || map.containsKey("error"))) {
      // The error shapes of the protocols spoken besides problem details (MLflow, KServe).
      return scrubbed(map);
    }
    if (body instanceof ProblemDetail problem
        && request instanceof ServletServerHttpRequest servlet) {
      scrub(problem);
      String id = CorrelationId.of(servlet.getServletRequest());
      problem.setProperty(CorrelationId.KEY, id);
      response.getHeaders().set(CorrelationId.HEADER, id);
      logRefusal(servlet.getServletRequest(), problem.getStatus(), problem, id);
      HttpServletRequest http = servlet.getServletRequest();
      if (ProtocolErrors.isMlflow(http.getRequestURI().substring(http.getContextPath().length()))) {
        // Spring MVC's own refusals (unreadable body, wrong method) under MLflow's paths: in
        // MLflow's shape, which its clients read.
        response.getHeaders().setContentType(MediaType.APPLICATION_JSON);
        return ProtocolErrors.mlflowBody(
            ProtocolErrors.mlflowCode(problem.getStatus()),
            (problem.getTitle() == null ? "" : problem.getTitle() + ": ") + problem.getDetail());
      }
    }
    return body;
  }

  /** The detail and each listed error without Java type names ({@link ErrorText}). */
  static void scrub(ProblemDetail problem) {
    problem.setDetail(ErrorText.scrub(problem.getDetail()));
    if (problem.getProperties() != null
        && problem.getProperties().get("errors") instanceof List<?> errors) {
      problem.setProperty(
          "errors",
          errors.stream()
              .map(
                  e ->
                      e instanceof FieldError field
                          ? new FieldError(field.path(), ErrorText.scrub(field.message()))
                          : e)
              .toList());
    }
  }

  private static Map<Object, Object> scrubbed(Map<?, ?> body) {
    Map<Object, Object> copy = new LinkedHashMap<>();
    body.forEach(
        (key, value) ->
            copy.put(
                key,
                value instanceof String text && ("message".equals(key) || "error".equals(key))
                    ? ErrorText.scrub(text)
                    : value));
    return copy;
  }

  /**
   * One log line per refused request, with what the client was told and the id it was given. Server
   * errors are logged where they are caught, with their stack trace.
   */
  static void logRefusal(HttpServletRequest request, int status, Object detail, String id) {
    if (status < 500) {
      log.warn(
          "{} {} answered {} [correlationId={}]: {}",
          request.getMethod(),
          request.getRequestURI(),
          status,
          id,
          detail instanceof ProblemDetail problem ? describe(problem) : detail);
    }
  }

  private static String describe(ProblemDetail problem) {
    Object errors = problem.getProperties() == null ? null : problem.getProperties().get("errors");
    return problem.getDetail() + (errors == null ? "" : " " + errors);
  }
}
