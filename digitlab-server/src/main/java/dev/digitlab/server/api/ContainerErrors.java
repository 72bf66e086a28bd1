package dev.digitlab.server.api;

import dev.digitlab.ml.json.Json;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;

/**
 * What Tomcat itself answers, before any filter or servlet runs (a path with {@code %00}, invalid
 * UTF-8 such as {@code %FF}, or a bare {@code %}): problem details instead of Tomcat's HTML error
 * page, like every other refusal (the rule of issue 8, which issue 15 applied to {@code %2F}).
 */
@Configuration
class ContainerErrors {

  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemDetailsFromTheContainer() {
    return factory ->
        factory.addContextCustomizers(
            context -> context.getParent().getPipeline().addValve(new ProblemValve()));
  }

  /** Tomcat's error report as problem details; never a stack trace or the server's version. */
  static final class ProblemValve extends ErrorReportValve {

    ProblemValve() {
      setShowReport(false);
      setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
      int status = response.getStatus();
      if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
        return;
      }
      Map<String, Object> problem = new LinkedHashMap<>();
      problem.put("type", "about:blank");
      problem.put("title", status == 400 ? "Malformed request" : "Request refused");
      problem.put("status", status);
      problem.put(
          "detail",
          status == 400
              ? "The server could not read this request: its path or query holds an invalid"
                  + " %-escape, a NUL or bytes that are not UTF-8. Send paths and values"
                  + " %-encoded as UTF-8."
              : "The server refused this request before reading it.");
      try {
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        Writer writer = response.getReporter();
        if (writer != null) {
          writer.write(Json.mapper().writeValueAsString(problem));
          response.finishResponse();
        }
      } catch (IOException | IllegalStateException e) {
        // The connection is gone: nothing to answer.
      }
    }
  }
}
