package dev.digitlab.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rule: every error is an RFC 9457 problem detail with a correlation id (also a response header)
 * that the server's log line with the details carries; no stack trace or exception reaches a
 * client.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ExtendWith(OutputCaptureExtension.class)
@Import(ErrorResponsesTest.Failing.class)
class ErrorResponsesTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
  }

  private static final String SECRET_DETAIL = "stack-internals-7f3a";

  /** Endpoints that fail the way a bug would: in a controller, and in a functional endpoint. */
  @TestConfiguration
  static class Failing {
    @Bean
    FailingController failingController() {
      return new FailingController();
    }

    @Bean
    RouterFunction<ServerResponse> failingRoute() {
      return RouterFunctions.route()
          .GET(
              "/api/v1/test-only/route-fails",
              request -> {
                throw new IllegalStateException(SECRET_DETAIL);
              })
          .build();
    }
  }

  @RestController
  static class FailingController {
    @GetMapping("/api/v1/test-only/fails")
    String fails() {
      throw new IllegalStateException(SECRET_DETAIL);
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  @Test
  void a_server_error_tells_the_client_only_its_correlation_id_and_logs_the_rest(CapturedOutput log)
      throws Exception {
    for (String path : new String[] {"/api/v1/test-only/fails", "/api/v1/test-only/route-fails"}) {
      HttpResponse<String> response = get(path, "application/json");

      assertThat(response.statusCode()).isEqualTo(500);
      String id = problemWithId(response);
      assertThat(response.body())
          .doesNotContain(SECRET_DETAIL)
          .doesNotContain("Exception")
          .doesNotContain("at dev.")
          .contains(id);
      assertThat(log.getAll())
          .containsPattern("correlationId=" + id + "\\][^\\n]*\\n[^\\n]*" + SECRET_DETAIL);
    }
  }

  @Test
  void refusals_are_problem_details_with_an_id_that_their_log_line_carries(CapturedOutput log)
      throws Exception {
    HttpResponse<String> unknownPath = get("/api/v1/nothing-here", "application/json");
    HttpResponse<String> badType = get("/api/v1/experiments/not-a-number", "application/json");
    HttpResponse<String> badParameter = get("/api/v1/experiments?size=0", "application/json");
    HttpResponse<String> unknownId = get("/api/v1/trials/987654", "application/json");

    assertThat(unknownPath.statusCode()).isEqualTo(404);
    assertThat(badType.statusCode()).isEqualTo(400);
    assertThat(badParameter.statusCode()).isEqualTo(400);
    assertThat(unknownId.statusCode()).isEqualTo(404);
    for (HttpResponse<String> response : List.of(unknownPath, badType, badParameter, unknownId)) {
      String id = problemWithId(response);
      assertThat(log.getAll()).contains("[correlationId=" + id + "]");
    }
    assertThat(log.getAll())
        .containsPattern(
            "GET /api/v1/experiments answered 400 \\[correlationId=[^\\]]+\\]: size: must be");
  }

  @Test
  void a_well_formed_correlation_id_from_a_proxy_is_kept_any_other_is_replaced() throws Exception {
    HttpResponse<String> kept =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/987654"))
                .header("X-Correlation-Id", "proxy-1234-abcd")
                .build(),
            BodyHandlers.ofString());
    HttpResponse<String> replaced =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/trials/987654"))
                .header("X-Correlation-Id", "evil id\twith spaces")
                .build(),
            BodyHandlers.ofString());

    assertThat(problemWithId(kept)).isEqualTo("proxy-1234-abcd");
    assertThat(problemWithId(replaced)).doesNotContain("evil");
  }

  @Test
  void a_request_refused_before_spring_mvc_gets_problem_details_too() throws Exception {
    // Spring Security's firewall refuses an encoded ';' in a path; the container's error page
    // answers.
    HttpResponse<String> response = get("/api/v1/experiments/1%3Bx", "application/json");

    assertThat(response.statusCode()).isEqualTo(400);
    problemWithId(response);
  }

  @Test
  void a_query_parameter_without_a_name_is_400_not_500() throws Exception {
    // Found by ApiFuzzTest: Tomcat refuses "?=x" when a parameter is first read.
    HttpResponse<String> response = get("/api/v1/experiments?size=5&=x", "application/json");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json.readTree(response.body()).get("detail").asString())
        .contains("every parameter needs a name");
  }

  @Test
  void a_malformed_form_body_on_a_delete_is_not_a_500() throws Exception {
    // Found by ApiFuzzTest: Spring's form-content filter decoded the body of a DELETE and threw
    // on a bad %-escape before any controller ran.
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/experiments/987654"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .method("DELETE", HttpRequest.BodyPublishers.ofString("a=%zz%"))
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(404);
    problemWithId(response);
  }

  @Test
  void a_content_type_that_is_no_concrete_media_type_is_415_not_500() throws Exception {
    // Found by ApiFuzzTest: "*/*" made Spring MVC's body reader fail.
    for (String type : List.of("*/*", "application/*", "garbage", "a/b/c")) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri("/api/v1/experiments"))
                  .header("Content-Type", type)
                  .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"x\"}"))
                  .build(),
              BodyHandlers.ofString());

      assertThat(response.statusCode()).as(type).isEqualTo(415);
      problemWithId(response);
    }
  }

  @Test
  void a_form_body_with_a_parameter_name_the_firewall_refuses_is_400_not_500() throws Exception {
    // Found by ApiFuzzTest: the firewall checks parameter names when they are first read, here
    // by the JSON endpoint's body reader, after Spring Security's own handler had passed.
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri("/api/v1/tokens"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString("name%0Aline=two"))
                .build(),
            BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(400);
    problemWithId(response);
  }

  @Test
  void an_encoded_slash_in_a_path_is_problem_details_not_tomcats_html_page() throws Exception {
    // Issue 15, finding 11: Tomcat answered %2F itself with its HTML 400 page.
    for (String path :
        List.of(
            "/api/v1/experiments/1%2F2",
            "/api/v1/experiments/1%2f2",
            "/api/v1/experiments/1%5C2",
            "/experiments/1%2F..%2F2",
            "/api/v1/pipelines/x%2F..%2F..%2Fadmin-token")) {
      HttpResponse<String> response = get(path, "application/json");

      assertThat(response.statusCode()).as(path).isEqualTo(400);
      problemWithId(response);
      assertThat(response.body()).as(path).contains("encoded separator").doesNotContain("<html");
    }
  }

  @Test
  void a_path_tomcat_cannot_decode_is_problem_details_not_tomcats_html_page() throws Exception {
    // Session 11's outside attack: %00, invalid UTF-8 and a bare % still got Tomcat's HTML 400.
    for (String path :
        List.of("/api/v1/experiments/a%00b", "/api/v1/experiments/%ff", "/api/v1/experiments/a%")) {
      String answer;
      try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
        socket.setSoTimeout(10_000);
        socket
            .getOutputStream()
            .write(
                ("GET "
                        + path
                        + " HTTP/1.1\r\nHost: 127.0.0.1:"
                        + port
                        + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        answer =
            new String(
                socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      }
      assertThat(answer).as(path).startsWith("HTTP/1.1 400");
      assertThat(answer)
          .as(path)
          .containsIgnoringCase("Content-Type: application/problem+json")
          .contains("\"status\":400")
          .doesNotContain("<html");
    }
  }

  @Test
  void an_encoded_slash_on_an_mlflow_path_is_answered_in_mlflows_error_shape() throws Exception {
    HttpResponse<String> response = get("/api/2.0/mlflow/runs/get%2Fx?run_id=1", "*/*");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
    JsonNode body = json.readTree(response.body());
    assertThat(body.get("error_code").asString()).isEqualTo("INVALID_PARAMETER_VALUE");
    assertThat(body.get("message").asString()).contains("encoded separator");
  }

  @Test
  void error_details_name_no_java_types() throws Exception {
    // Issue 15, finding 11: Jackson's messages named `dev.digitlab.protocol.worker.LeaseRequest`,
    // `int` and the like in the worker protocol's 400s.
    for (String[] bad :
        List.of(
            new String[] {"/api/v1/worker/register", "{\"name\":\"w\",\"slots\":\"x\"}"},
            new String[] {"/api/v1/worker/register", "{\"name\":\"w\",\"slots\":2}"},
            new String[] {"/api/v1/worker/register", "{\"name\":[1],\"bogus\":true}"},
            new String[] {"/api/v1/worker/lease", "{\"workerId\":\"x\",\"capacity\":[1]}"},
            new String[] {"/api/v1/worker/lease", "[]"},
            new String[] {"/api/v1/experiments", "{\"name\":{\"a\":1},\"config\":7}"},
            new String[] {"/api/v1/preprocess", "{\"pixels\":[\"a\"]}"},
            new String[] {"/api/v1/preprocess", "{\"image\":7}"})) {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(uri(bad[0]))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(bad[1]))
                  .build(),
              BodyHandlers.ofString());

      assertThat(response.statusCode()).as(bad[0] + " " + bad[1]).isBetween(400, 499);
      assertThat(response.body()).as(bad[0] + " " + bad[1]).doesNotContainPattern(JAVA_NAMES);
    }
  }

  @Test
  void a_json_body_of_the_wrong_shape_names_the_field_and_what_it_should_be() throws Exception {
    // A daily MLflow user's typo: the answer was "Failed to read request", naming nothing.
    String[][] cases = {
      {"PUT", "/api/v1/models/any/aliases/production", "{\"version\":\"two\"}", "version"},
      {"PATCH", "/api/v1/experiments/987654", "{\"tags\":\"x\"}", "tags"},
      {"PATCH", "/api/v1/experiments/987654", "{\"tags\":[\"a\",{}]}", "tags[1]"},
      {"POST", "/api/v1/models/any/versions", "{\"trialId\":\"abc\"}", "trialId"},
      {"PUT", "/api/v1/models/any/retraining", "{\"enabled\":\"yes\"}", "enabled"},
    };
    for (String[] bad : cases) {
      HttpResponse<String> response = send(bad[0], bad[1], bad[2]);

      assertThat(response.statusCode()).as(bad[2]).isEqualTo(400);
      JsonNode problem = json.readTree(response.body());
      assertThat(problem.get("detail").asString()).as(bad[2]).startsWith(bad[3] + ": expected ");
      assertThat(problem.at("/errors/0/path").asString()).as(bad[2]).isEqualTo(bad[3]);
      assertThat(response.body()).as(bad[2]).doesNotContainPattern(JAVA_NAMES);
    }
  }

  @Test
  void a_body_that_is_not_json_or_is_missing_says_so() throws Exception {
    HttpResponse<String> malformed =
        send("PUT", "/api/v1/models/any/aliases/production", "{\"version\": 1,");
    HttpResponse<String> missing = send("PUT", "/api/v1/models/any/aliases/production", "");

    assertThat(malformed.statusCode()).isEqualTo(400);
    assertThat(json.readTree(malformed.body()).get("detail").asString())
        .startsWith("The body is not valid JSON (line 1, column ");
    assertThat(missing.statusCode()).isEqualTo(400);
    assertThat(json.readTree(missing.body()).get("detail").asString())
        .isEqualTo("This request needs a JSON body.");
  }

  @Test
  void a_path_or_query_value_of_the_wrong_type_names_it_and_what_it_should_be() throws Exception {
    // Spring's words were "Failed to convert 'id' with value: 'abc'".
    JsonNode path = json.readTree(get("/api/v1/experiments/abc", "application/json").body());
    JsonNode query =
        json.readTree(get("/api/v1/trials/1/misclassified?limit=ten", "application/json").body());

    assertThat(path.get("detail").asString()).isEqualTo("id: expected an integer, got 'abc'");
    assertThat(path.at("/errors/0/path").asString()).isEqualTo("id");
    assertThat(query.get("detail").asString()).isEqualTo("limit: expected an integer, got 'ten'");
  }

  @Test
  void a_page_address_with_a_value_of_the_wrong_type_is_a_400_page_not_a_500(CapturedOutput log)
      throws Exception {
    // It was the 500 page "The server failed to show this page", logged as a failure.
    for (String path : List.of("/experiments/abc", "/trials/abc")) {
      HttpResponse<String> page = get(path, "text/html");
      assertThat(page.statusCode()).as(path).isEqualTo(400);
      assertThat(page.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
      assertThat(page.body())
          .as(path)
          .contains("id: expected an integer, got &#39;abc&#39;")
          .contains("Change id in the address and load the page again.");
    }
    // A form that leaves out a field the page needs (posted as a browser does, with the session's
    // CSRF token from a page): 400 naming it.
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    Matcher csrf =
        Pattern.compile("name=\"_csrf\" content=\"([^\"]+)\"")
            .matcher(
                browser
                    .send(HttpRequest.newBuilder(uri("/")).build(), BodyHandlers.ofString())
                    .body());
    assertThat(csrf.find()).isTrue();
    HttpResponse<String> promote =
        browser.send(
            HttpRequest.newBuilder(uri("/models/nope/promote"))
                .header("Accept", "text/html")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "alias=production&_csrf="
                            + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8)))
                .build(),
            BodyHandlers.ofString());
    assertThat(promote.statusCode()).isEqualTo(400);
    assertThat(promote.body()).contains("version", "Add version to the address");
    assertThat(log.getAll()).doesNotContain("Page failed");
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  /** What an error body must not hold: Java packages, exception or error class names. */
  static final String JAVA_NAMES =
      "\\bjava\\.|\\bjavax\\.|\\bjakarta\\.|dev\\.digitlab|tools\\.jackson|com\\.fasterxml"
          + "|org\\.springframework|org\\.apache|[a-z]Exception\\b|`";

  @Test
  void error_text_turns_java_types_into_words() {
    assertThat(
            ErrorText.scrub(
                "Cannot deserialize value of type `int` from String \"x\": not a valid `int`"
                    + " value"))
        .isEqualTo("expected an integer, got String \"x\"");
    assertThat(
            ErrorText.scrub(
                "Cannot construct instance of `dev.digitlab.protocol.worker.LeaseRequest`, problem:"
                    + " worker"))
        .isEqualTo("invalid value: worker");
    assertThat(
            ErrorText.scrub(
                "Unrecognized property \"x\" (class dev.digitlab.protocol.worker.Heartbeat), not"
                    + " marked as ignorable (2 known properties: \"a\", \"b\"])"))
        .doesNotContainPattern(JAVA_NAMES)
        .contains("\"x\"", "known properties");
    assertThat(ErrorText.scrub("expected `java.util.List<java.lang.String>`"))
        .isEqualTo("expected a list");
  }

  /** Asserts the response is a problem detail whose correlation id is its header's; returns it. */
  private String problemWithId(HttpResponse<String> response) {
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("status").asInt()).isEqualTo(response.statusCode());
    assertThat(problem.get("title").asString()).isNotBlank();
    assertThat(problem.get("detail").asString()).isNotBlank();
    String id = problem.get("correlationId").asString();
    assertThat(response.headers().firstValue("X-Correlation-Id")).hasValue(id);
    return id;
  }

  @Test
  void a_comparison_that_names_no_trials_says_how_to_name_them() throws Exception {
    // An empty 200 looked like trials that do not exist.
    HttpResponse<String> response = get("/api/v1/compare", "application/json");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).contains("trials").contains("?trials=1,2,3");
  }

  @Test
  void a_comparison_by_a_parameter_it_does_not_take_names_the_ones_it_does() throws Exception {
    // ?ids= is not the parameter: refused as unknown (QueryParameterCheck), naming the ones it is.
    HttpResponse<String> response = get("/api/v1/compare?ids=1,2", "application/json");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json.readTree(response.body()).get("detail").asString())
        .isEqualTo("unknown query parameter 'ids'; this endpoint accepts: trial, trials");
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri(path)).header("Accept", accept).build(),
        BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
