package dev.digitlab.server.workers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.security.Role;
import dev.digitlab.server.security.TokenStore;
import dev.digitlab.server.testing.ExperimentBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Finding 7 of issue 15: worker w2's token registered as {@code w1} (host {@code evil}) and
 * heartbeated w1's lease. Rule: a worker name belongs to the token that registered it; another
 * worker token can neither register, lease, heartbeat, report nor complete as it.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class WorkerIdentityTest {

  private static final ObjectMapper JSON = dev.digitlab.ml.json.Json.mapper();

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.auth.enabled", () -> "true");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void another_workers_token_cannot_take_its_name_or_its_lease() throws Exception {
    String admin = Files.readString(home.resolve("admin-token")).strip();
    String w1 = tokens.create("w1", Role.WORKER).secret();
    String w2 = tokens.create("w2", Role.WORKER).secret();
    assertThat(
            post("/api/v1/experiments", admin, ExperimentBuilder.oneTrialFile("leased"))
                .statusCode())
        .isEqualTo(201);

    assertThat(post("/api/v1/worker/register", w1, registration("w1", "box-1")).statusCode())
        .isEqualTo(200);
    HttpResponse<String> leased = post("/api/v1/worker/lease", w1, "{\"worker\":\"w1\"}");
    assertThat(leased.statusCode()).as(leased.body()).isEqualTo(200);
    JsonNode grant = JSON.readTree(leased.body());
    long trial = grant.path("trialId").asLong();
    String lease = grant.path("leaseToken").asString();

    // The attack: w2's token registers as w1 and keeps w1's lease alive.
    HttpResponse<String> taken = post("/api/v1/worker/register", w2, registration("w1", "evil"));
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(403);
    assertThat(taken.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(post("/api/v1/worker/lease", w2, "{\"worker\":\"w1\"}").statusCode()).isEqualTo(403);
    String beatAsW1 = "{\"leaseToken\":\"" + lease + "\",\"worker\":\"w1\",\"imagesPerSecond\":1}";
    String beatAsW2 = "{\"leaseToken\":\"" + lease + "\",\"worker\":\"w2\",\"imagesPerSecond\":1}";
    assertThat(post("/api/v1/worker/register", w2, registration("w2", "box-2")).statusCode())
        .isEqualTo(200);
    String heartbeat = "/api/v1/worker/leases/" + trial + "/heartbeat";
    assertThat(post(heartbeat, w2, beatAsW1).statusCode()).isEqualTo(403);
    assertThat(post(heartbeat, w2, beatAsW2).statusCode()).isEqualTo(403);
    String completion = "{\"leaseToken\":\"" + lease + "\",\"status\":\"failed\"}";
    assertThat(post("/api/v1/worker/leases/" + trial + "/complete", w2, completion).statusCode())
        .isEqualTo(403);

    // w1 itself goes on.
    assertThat(post(heartbeat, w1, beatAsW1).statusCode()).isEqualTo(200);
    JsonNode workers = JSON.readTree(get("/api/v1/workers", admin).body());
    assertThat(workers.findValuesAsString("host")).doesNotContain("evil");
  }

  @Test
  void a_token_reissued_after_revoking_takes_the_workers_name_again() throws Exception {
    String admin = Files.readString(home.resolve("admin-token")).strip();
    JsonNode first = createWorkerToken(admin, "gpu-9");
    String old = first.path("token").asString();
    assertThat(post("/api/v1/worker/register", old, registration("gpu-9", "box-9")).statusCode())
        .isEqualTo(200);

    // The admin replaces the worker's token, as for a leaked one: revoke, then same name again.
    HttpResponse<String> revoked = delete("/api/v1/tokens/" + first.path("id").asLong(), admin);
    assertThat(revoked.statusCode()).as(revoked.body()).isEqualTo(204);
    String reissued = createWorkerToken(admin, "gpu-9").path("token").asString();

    HttpResponse<String> again =
        post("/api/v1/worker/register", reissued, registration("gpu-9", "box-9"));
    assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    // The revoked token still gets nowhere, under its old name or any other.
    assertThat(post("/api/v1/worker/register", old, registration("gpu-9", "box-9")).statusCode())
        .isEqualTo(401);
    assertThat(post("/api/v1/worker/register", old, registration("gpu-x", "box-9")).statusCode())
        .isEqualTo(401);

    // While the reissued token is valid, the name is its own: another active worker token, even
    // one with the same token name, is refused with a problem saying why.
    String sameName = createWorkerToken(admin, "gpu-9").path("token").asString();
    HttpResponse<String> taken =
        post("/api/v1/worker/register", sameName, registration("gpu-9", "box-10"));
    assertThat(taken.statusCode()).as(taken.body()).isEqualTo(403);
    assertThat(taken.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(JSON.readTree(taken.body()).path("title").asString())
        .isEqualTo("Another worker's name");
  }

  private JsonNode createWorkerToken(String admin, String name) throws Exception {
    HttpResponse<String> created =
        post("/api/v1/tokens", admin, "{\"role\":\"worker\",\"name\":\"" + name + "\"}");
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    return JSON.readTree(created.body());
  }

  private static String registration(String name, String host) {
    return "{\"name\":\""
        + name
        + "\",\"host\":\""
        + host
        + "\",\"slots\":1,\"capabilities\":[\"cpu\"]}";
  }

  private HttpResponse<String> post(String path, String token, String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> delete(String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .DELETE()
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        BodyHandlers.ofString());
  }
}
