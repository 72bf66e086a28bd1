package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.OpenServerTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;

/**
 * Every kind of response carries the security headers, over real HTTP: a page, API JSON, a problem
 * detail, a static file, the event stream, the Host check's refusal and Swagger UI; and a handler's
 * own stricter policy (the experiment report's nonce) is kept, not replaced. Without them any site
 * could frame the UI under a decoy (clickjacking) and an injected script would run.
 */
class SecurityHeadersTest extends OpenServerTest {

  static final String POLICY =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
          + " img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'self';"
          + " form-action 'self'; frame-ancestors 'none'";

  @Value("${local.server.port}")
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void pages_api_errors_static_files_and_event_streams_carry_the_headers() throws Exception {
    long experiment = createExperiment();
    String[][] responses = {
      {"/", "200", "text/html"},
      {"/experiments/" + experiment, "200", "text/html"},
      {"/api/v1/experiments/" + experiment, "200", "application/json"},
      {"/api/v1/experiments/999999999", "404", "application/problem+json"},
      {"/api/v1/experiments/not-a-number", "400", "application/problem+json"},
      {"/css/digitlab.css", "200", "text/css"},
      {"/js/digitlab.js", "200", "text/javascript"},
      {"/webjars/htmx.org/dist/htmx.min.js", "200", "text/javascript"},
      {"/no/such/page", "404", ""},
      {"/swagger-ui/index.html", "200", "text/html"},
    };
    for (String[] expected : responses) {
      HttpResponse<String> response = get(expected[0]);
      assertThat(response.statusCode()).as(expected[0]).isEqualTo(Integer.parseInt(expected[1]));
      assertThat(response.headers().firstValue("Content-Type").orElse(""))
          .as(expected[0])
          .startsWith(expected[2]);
      assertHeaders(expected[0], response.headers());
    }

    // The event stream: its headers arrive as it opens, long before it ends.
    HttpResponse<InputStream> events =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments/" + experiment + "/events")).build(),
            BodyHandlers.ofInputStream());
    try {
      assertThat(events.headers().firstValue("Content-Type").orElse(""))
          .startsWith("text/event-stream");
      assertHeaders("events", events.headers());
    } finally {
      events.body().close();
    }

    // Refused before anything else runs, for a name that is not this server's (DNS rebinding).
    String refused = HostAllowListTest.send(port, "GET", "/", "attacker.example", null, null);
    assertThat(refused).startsWith("HTTP/1.1 403");
    assertThat(refused)
        .containsIgnoringCase("X-Frame-Options: DENY")
        .containsIgnoringCase("X-Content-Type-Options: nosniff")
        .containsIgnoringCase("Content-Security-Policy: " + POLICY);
  }

  @Test
  void the_experiment_report_runs_only_its_own_script_by_a_nonce_of_each_response()
      throws Exception {
    long experiment = createExperiment();
    HttpResponse<String> report = get("/api/v1/experiments/" + experiment + "/report");
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.headers().allValues("Content-Security-Policy")).hasSize(1);
    String policy = report.headers().firstValue("Content-Security-Policy").orElseThrow();
    Matcher nonce = Pattern.compile("script-src 'nonce-([A-Za-z0-9+/=]+)'").matcher(policy);
    assertThat(nonce.find()).as(policy).isTrue();
    assertThat(policy)
        .startsWith("default-src 'none';")
        .contains("img-src data:", "frame-ancestors 'none'");
    assertThat(report.body()).contains("<script nonce=\"" + nonce.group(1) + "\">");
    // A saved copy carries the policy in its head (frame-ancestors only works as a header).
    assertThat(report.body())
        .contains(
            "<meta http-equiv=\"Content-Security-Policy\" content=\""
                + policy.replace("; frame-ancestors 'none'", "").replace("'", "&#39;")
                + "\">");
    assertThat(report.headers().firstValue("X-Frame-Options")).hasValue("DENY");

    String again =
        get("/api/v1/experiments/" + experiment + "/report")
            .headers()
            .firstValue("Content-Security-Policy")
            .orElseThrow();
    assertThat(again).as("a fresh nonce each time").doesNotContain(nonce.group(1));
  }

  private static void assertHeaders(String what, HttpHeaders headers) {
    assertThat(headers.allValues("X-Content-Type-Options")).as(what).containsExactly("nosniff");
    assertThat(headers.allValues("X-Frame-Options")).as(what).containsExactly("DENY");
    assertThat(headers.allValues("Referrer-Policy")).as(what).containsExactly("same-origin");
    assertThat(headers.allValues("Content-Security-Policy")).as(what).containsExactly(POLICY);
  }

  private long createExperiment() throws Exception {
    HttpResponse<String> created =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments"))
                .header("Content-Type", "application/yaml")
                .POST(
                    BodyPublishers.ofString(
                        """
                        name: security-headers
                        config: {model: mlp, epochs: 1, hiddenSizes: [16], trainSubset: 100}
                        """))
                .build(),
            BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return Long.parseLong(created.body().replaceAll("(?s)^\\{\"id\":(\\d+),.*", "$1"));
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(uri(path)).build(), BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
