package dev.digitlab.server.api;

import dev.digitlab.ml.json.Json;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.security.web.firewall.FirewalledRequest;
import org.springframework.security.web.firewall.HttpFirewall;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.firewall.StrictHttpFirewall;

/**
 * Paths the server refuses to route: an encoded slash ({@code %2F}) or backslash ({@code %5C}),
 * {@code ;} parameters, {@code ..} segments, control characters. Tomcat refused encoded slashes
 * itself with an HTML page (issue 15, finding 11); it now passes them through, and Spring
 * Security's firewall refuses them with this answer: problem details, or MLflow's error shape on
 * MLflow's paths, whose clients read {@code error_code}.
 */
@Configuration
class RejectedPaths implements RequestRejectedHandler {

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSeparatorsReachTheFirewall() {
    return factory ->
        factory.addConnectorCustomizers(
            connector -> {
              connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue());
              connector.setEncodedReverseSolidusHandling(
                  EncodedSolidusHandling.PASS_THROUGH.getValue());
            });
  }

  /**
   * Spring Security's strict firewall, except that MLflow's artifact proxy takes an encoded percent
   * ({@code %25}): {@code mlflow.log_image(image, key=…, step=…)} names its files {@code
   * images/<key>%step%<n>%timestamp%<ms>%<uuid>}, which the client sends as {@code %25}, and the
   * strict firewall refused every such upload. Every other check stays on those paths too (encoded
   * slashes, {@code ..}, {@code ;}, control characters); the path is decoded once, so {@code
   * %252e%252e} names a file {@code %2e%2e} in the run's folder, never its parent.
   */
  @Bean
  HttpFirewall firewall() {
    StrictHttpFirewall strict = new StrictHttpFirewall();
    StrictHttpFirewall artifacts = new StrictHttpFirewall();
    artifacts.setAllowUrlEncodedPercent(true);
    return new HttpFirewall() {
      @Override
      public FirewalledRequest getFirewalledRequest(HttpServletRequest request) {
        String uri = request.getRequestURI();
        boolean artifactPath = uri != null && uri.startsWith(ARTIFACT_PROXY);
        return (artifactPath ? artifacts : strict).getFirewalledRequest(request);
      }

      @Override
      public HttpServletResponse getFirewalledResponse(HttpServletResponse response) {
        return strict.getFirewalledResponse(response);
      }
    };
  }

  /** Where MLflow clients upload, list and download artifacts through the server. */
  private static final String ARTIFACT_PROXY = "/api/2.0/mlflow-artifacts/artifacts/";

  @Override
  public void handle(
      HttpServletRequest request, HttpServletResponse response, RequestRejectedException e)
      throws IOException {
    String detail =
        "This path cannot be routed: it holds an encoded separator (%2F, %5C), a ';', a '..'"
            + " segment or a control character. Send each path segment plainly (ids and names"
            + " never contain '/'), and values with '/' in the query string.";
    String path = request.getRequestURI() == null ? "" : request.getRequestURI();
    if (path.startsWith("/api/2.0/mlflow") || path.startsWith("/ajax-api/2.0/mlflow")) {
      ProblemCorrelation.logRefusal(request, 400, detail, CorrelationId.of(request));
      Map<String, String> body = new LinkedHashMap<>();
      body.put("error_code", "INVALID_PARAMETER_VALUE");
      body.put("message", detail);
      response.setStatus(400);
      response.setContentType(MediaType.APPLICATION_JSON_VALUE);
      response.setCharacterEncoding(StandardCharsets.UTF_8.name());
      response.getWriter().write(Json.mapper().writeValueAsString(body));
      return;
    }
    ProblemResponses.write(request, response, 400, "Malformed path", detail);
  }
}
