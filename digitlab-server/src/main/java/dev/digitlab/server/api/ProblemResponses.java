package dev.digitlab.server.api;

import dev.digitlab.ml.json.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.MediaType;
import tools.jackson.databind.ObjectMapper;

/**
 * Problem details written straight to the response, for the answers given before Spring MVC sees a
 * request (authentication, limits in filters). Same fields as {@link ApiErrors}' answers; under
 * MLflow's paths, MLflow's error shape instead ({@link ProtocolErrors}), with the same status.
 */
public final class ProblemResponses {

  private static final ObjectMapper JSON = Json.mapper();

  private ProblemResponses() {}

  /** Writes {@code status} with this title and detail as {@code application/problem+json}. */
  public static void write(
      HttpServletRequest request,
      HttpServletResponse response,
      int status,
      String title,
      String detail)
      throws IOException {
    ProblemCorrelation.logRefusal(
        request, status, title + ": " + detail, CorrelationId.of(request));
    response.setStatus(status);
    response.setHeader(CorrelationId.HEADER, CorrelationId.of(request));
    response.setCharacterEncoding(StandardCharsets.UTF_8.name());
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (ProtocolErrors.isMlflow(path)) {
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
      response
          .getWriter()
          .write(
              JSON.writeValueAsString(
                  ProtocolErrors.mlflowBody(
                      ProtocolErrors.mlflowCode(status), title + ": " + detail)));
      response.getWriter().flush();
      return;
    }
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "about:blank");
    problem.put("title", title);
    problem.put("status", status);
    problem.put("detail", ErrorText.scrub(detail));
    problem.put("instance", request.getRequestURI());
    problem.put(CorrelationId.KEY, CorrelationId.of(request));
    response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
    response.getWriter().write(JSON.writeValueAsString(problem));
    response.getWriter().flush();
  }
}
