package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.testing.AuthServerTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Rule: with authentication on, only a valid API token lets a request in; tokens are random, shown
 * once, stored hashed, revocable; the first start writes an admin token to a file only its owner
 * can read.
 */
class AuthenticationTest extends AuthServerTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final JsonMapper json = Json.mapper();

  @Value("${local.server.port}")
  int port;

  @Autowired JdbcClient jdbc;

  @Test
  void first_start_writes_an_admin_token_readable_by_its_owner_only() throws Exception {
    Path file = home.resolve("admin-token");

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    String admin = Files.readString(file).strip();
    assertThat(admin).startsWith("dlt_").hasSizeGreaterThan(40);
    assertThat(send("GET", "/api/v1/tokens", admin, null).statusCode()).isEqualTo(200);
  }

  @Test
  void a_request_without_a_token_gets_401_problem_details_saying_what_to_send() throws Exception {
    HttpResponse<String> response = send("GET", "/api/v1/experiments", null, null);

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    JsonNode problem = json.readTree(response.body());
    assertThat(problem.get("detail").asString())
        .contains("Authorization: Bearer", "DIGITLAB_TOKEN");
    assertThat(problem.get("correlationId").asString())
        .isEqualTo(response.headers().firstValue("X-Correlation-Id").orElseThrow());
  }

  @Test
  void an_unknown_or_malformed_token_is_refused() throws Exception {
    assertThat(send("GET", "/api/v1/experiments", "dlt_not-a-real-token", null).statusCode())
        .isEqualTo(401);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(uri("/api/v1/experiments"))
                        .header("Authorization", "Basic YWRtaW46YWRtaW4=")
                        .build(),
                    BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(401);
  }

  @Test
  void a_created_token_is_shown_once_stored_hashed_and_works_until_revoked() throws Exception {
    String admin = Files.readString(home.resolve("admin-token")).strip();

    HttpResponse<String> created =
        send("POST", "/api/v1/tokens", admin, "{\"role\": \"viewer\", \"name\": \"dashboard\"}");

    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode body = json.readTree(created.body());
    String secret = body.get("token").asString();
    long id = body.get("id").asLong();
    assertThat(body.get("role").asString()).isEqualTo("viewer");
    assertThat(send("GET", "/api/v1/experiments", secret, null).statusCode()).isEqualTo(200);

    // Stored: the SHA-256 of the secret, never the secret; listed: never either.
    assertThat(
            jdbc.sql("SELECT token_hash FROM api_token WHERE id = :id")
                .param("id", id)
                .query(String.class)
                .single())
        .isEqualTo(TokenStore.hash(secret))
        .doesNotContain(secret);
    String listed = send("GET", "/api/v1/tokens", admin, null).body();
    assertThat(listed).contains("dashboard").doesNotContain(secret);
    assertThat(
            jdbc.sql("SELECT COUNT(*) FROM api_token WHERE token_hash = :s")
                .param("s", secret)
                .query(Long.class)
                .single())
        .isZero();

    assertThat(send("DELETE", "/api/v1/tokens/" + id, admin, null).statusCode()).isEqualTo(204);

    assertThat(send("GET", "/api/v1/experiments", secret, null).statusCode()).isEqualTo(401);
    assertThat(json.readTree(send("GET", "/api/v1/tokens", admin, null).body()))
        .anySatisfy(
            token -> {
              assertThat(token.get("id").asLong()).isEqualTo(id);
              assertThat(token.get("active").asBoolean()).isFalse();
            });
  }

  @Test
  void two_tokens_are_never_alike() throws Exception {
    String admin = Files.readString(home.resolve("admin-token")).strip();
    String first =
        json.readTree(send("POST", "/api/v1/tokens", admin, "{\"role\":\"user\"}").body())
            .get("token")
            .asString();
    String second =
        json.readTree(send("POST", "/api/v1/tokens", admin, "{\"role\":\"user\"}").body())
            .get("token")
            .asString();

    assertThat(first).isNotEqualTo(second);
  }

  @Test
  void health_stays_open_for_probes() throws Exception {
    assertThat(send("GET", "/actuator/health/liveness", null, null).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
