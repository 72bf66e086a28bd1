package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.servlet.function.RouterFunction;
import org.springframework.web.servlet.function.RouterFunctions;
import org.springframework.web.servlet.function.ServerResponse;

/**
 * Rule: viewers only read; users manage experiments and trials (only their own: {@link
 * OwnershipTest}); workers only use the worker protocol, where handlers see which worker's token it
 * is; admins everything, tokens included.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class AuthorisationTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.auth.enabled", () -> "true");
  }

  /** Stands in for the worker protocol's handlers (issue 4): says who the caller is. */
  @TestConfiguration
  static class WorkerEndpoint {
    @Bean
    RouterFunction<ServerResponse> whoAmI() {
      return RouterFunctions.route()
          .GET(
              "/api/v1/worker/whoami",
              request ->
                  ServerResponse.ok()
                      .body(
                          Caller.of(request.servletRequest())
                              .map(caller -> caller.tokenId() + " " + caller.name())
                              .orElse("nobody")))
          .build();
    }
  }

  private static final String EXPERIMENT =
      """
      {"name": "authz", "dataset": "mnist",
       "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01},
       "search": {"type": "grid", "parameters": {"batchSize": [64]}}}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  String admin;
  String user;
  String worker;
  long workerId;
  String viewer;

  @BeforeEach
  void tokens() throws Exception {
    admin = Files.readString(home.resolve("admin-token")).strip();
    user = tokens.create("alice", Role.USER).secret();
    NewToken workerToken = tokens.create("gpu-box-1", Role.WORKER);
    worker = workerToken.secret();
    workerId = workerToken.token().id();
    viewer = tokens.create("dashboard", Role.VIEWER).secret();
  }

  @Test
  void a_viewer_reads_but_changes_nothing() throws Exception {
    long id = submit(user);

    assertThat(status("GET", "/api/v1/experiments", viewer, null)).isEqualTo(200);
    assertThat(status("GET", "/api/v1/experiments/" + id, viewer, null)).isEqualTo(200);
    assertThat(status("GET", "/v3/api-docs", viewer, null)).isEqualTo(200);
    assertThat(status("POST", "/api/v1/experiments", viewer, EXPERIMENT)).isEqualTo(403);
    assertThat(status("POST", "/api/v1/experiments/" + id + "/cancel", viewer, null))
        .isEqualTo(403);
    assertThat(status("DELETE", "/api/v1/experiments/" + id, viewer, null)).isEqualTo(403);
    assertThat(status("GET", "/api/v1/tokens", viewer, null)).isEqualTo(403);
    assertThat(status("GET", "/api/v1/worker/whoami", viewer, null)).isEqualTo(403);
  }

  @Test
  void a_user_manages_experiments_and_trials_but_not_tokens_or_the_worker_protocol()
      throws Exception {
    long id = submit(user);

    assertThat(status("POST", "/api/v1/experiments/" + id + "/cancel", user, null)).isEqualTo(200);
    assertThat(status("POST", "/api/v1/experiments/" + id + "/clone", user, null)).isEqualTo(201);
    assertThat(status("DELETE", "/api/v1/experiments/" + id, user, null)).isEqualTo(204);
    assertThat(status("GET", "/api/v1/tokens", user, null)).isEqualTo(403);
    assertThat(status("POST", "/api/v1/tokens", user, "{\"role\":\"admin\"}")).isEqualTo(403);
    assertThat(status("GET", "/api/v1/worker/whoami", user, null)).isEqualTo(403);
  }

  @Test
  void a_worker_uses_only_the_worker_protocol_and_handlers_know_which_worker() throws Exception {
    long id = submit(user);

    HttpResponse<String> whoAmI = send("GET", "/api/v1/worker/whoami", worker, null);
    assertThat(whoAmI.statusCode()).isEqualTo(200);
    assertThat(whoAmI.body()).isEqualTo(workerId + " gpu-box-1");

    assertThat(status("GET", "/api/v1/experiments", worker, null)).isEqualTo(403);
    assertThat(status("GET", "/api/v1/experiments/" + id, worker, null)).isEqualTo(403);
    assertThat(status("POST", "/api/v1/experiments", worker, EXPERIMENT)).isEqualTo(403);
    assertThat(status("DELETE", "/api/v1/experiments/" + id, worker, null)).isEqualTo(403);
    assertThat(status("GET", "/api/v1/tokens", worker, null)).isEqualTo(403);
  }

  @Test
  void an_admin_does_everything() throws Exception {
    long id = submit(admin);

    assertThat(status("GET", "/api/v1/experiments/" + id, admin, null)).isEqualTo(200);
    assertThat(status("GET", "/api/v1/tokens", admin, null)).isEqualTo(200);
    assertThat(status("GET", "/api/v1/worker/whoami", admin, null)).isEqualTo(200);
    assertThat(status("DELETE", "/api/v1/experiments/" + id, admin, null)).isEqualTo(204);
  }

  @Test
  void a_refusal_says_which_role_may_do_what() throws Exception {
    HttpResponse<String> response = send("POST", "/api/v1/experiments", viewer, EXPERIMENT);

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(response.body())
        .contains("role 'viewer' may not POST /api/v1/experiments")
        .contains("viewers only read");
  }

  private long submit(String token) throws Exception {
    HttpResponse<String> response = send("POST", "/api/v1/experiments", token, EXPERIMENT);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    String location = response.headers().firstValue("Location").orElseThrow();
    return Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
  }

  private int status(String method, String path, String token, String body) throws Exception {
    return send(method, path, token, body).statusCode();
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
