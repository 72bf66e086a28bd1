package dev.digitlab.server.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.server.testing.AuthServerTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * With authentication on, the standard serving protocols and model downloads follow the same rule
 * as {@code predict}: no token, no answer (401); viewers and workers read but cannot infer (403);
 * users infer. Each case performs the request and checks it is refused.
 */
class ServingProtocolsAuthorisationTest extends AuthServerTest {

  private static final String INFER =
      "{\"inputs\":[{\"name\":\"x\",\"shape\":[784],\"datatype\":\"UINT8\",\"data\":[0]}]}";

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  String user;
  String viewer;
  String worker;

  @BeforeEach
  void tokens() throws Exception {
    user = tokens.create("alice", Role.USER).secret();
    viewer = tokens.create("dashboard", Role.VIEWER).secret();
    worker = tokens.create("gpu-box", Role.WORKER).secret();
  }

  @Test
  void without_a_token_nothing_answers() throws Exception {
    assertThat(status("GET", "/v2/health/live", null, null)).isEqualTo(401);
    // A tokenless POST meets the CSRF check first (403), which like 401 lets nothing through.
    assertThat(status("POST", "/v2/models/digits/infer", null, INFER)).isIn(401, 403);
    assertThat(status("POST", "/invocations", null, "{\"inputs\":[]}")).isIn(401, 403);
    assertThat(status("GET", "/api/v1/models/digits/versions/1/download", null, null))
        .isEqualTo(401);
  }

  @Test
  void viewers_and_workers_cannot_infer_users_can() throws Exception {
    assertThat(status("GET", "/v2/health/ready", viewer, null)).isEqualTo(200);
    for (String token : new String[] {viewer, worker}) {
      assertThat(status("POST", "/v2/models/digits/infer", token, INFER)).isEqualTo(403);
      assertThat(status("POST", "/v2/models/digits/versions/1/infer", token, INFER)).isEqualTo(403);
      assertThat(status("POST", "/invocations?model=digits", token, "{\"inputs\":[]}"))
          .isEqualTo(403);
    }
    // A user gets through to the protocol: no such model, in the protocol's own error shape.
    assertThat(status("POST", "/v2/models/digits/infer", user, INFER)).isEqualTo(404);
    assertThat(status("POST", "/invocations?model=digits", user, "{\"inputs\":[]}")).isEqualTo(404);
  }

  private int status(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString()).statusCode();
  }
}
