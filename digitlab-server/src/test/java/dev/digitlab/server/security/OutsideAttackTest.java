package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.testing.AuthServerTest;
import dev.digitlab.testing.SyntheticIdx;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;

/**
 * Holes found by session 11's outside attack (a plain {@code user} token against a server with
 * authentication on), each performed here and refused: a user changing what another user owns
 * through paths the ownership checks had missed. Session 12's outside attack added the holes below
 * {@link #a_viewer_cannot_pin_the_server_with_a_like_filter}.
 */
class OutsideAttackTest extends AuthServerTest {

  private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  @TempDir Path work;

  String unique;
  String alice;
  String bob;

  @BeforeEach
  void tokens() {
    unique = Long.toString(System.nanoTime());
    alice = tokens.create("alice-" + unique, Role.USER).secret();
    bob = tokens.create("bob-" + unique, Role.USER).secret();
  }

  @Test
  void a_user_cannot_delete_another_users_dataset_through_the_api() throws Exception {
    String name = registerDataset(bob);

    HttpResponse<String> refused = send("DELETE", "/api/v1/datasets/" + name, alice, null, null);

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("bob-" + unique);
    assertThat(send("GET", "/api/v1/datasets/" + name, alice, null, null).statusCode())
        .isEqualTo(200);
    // Its creator still may.
    assertThat(send("DELETE", "/api/v1/datasets/" + name, bob, null, null).statusCode())
        .isEqualTo(204);
  }

  @Test
  void a_user_cannot_delete_another_users_dataset_through_the_page() throws Exception {
    String name = registerDataset(bob);
    HttpClient browser = HttpClient.newBuilder().cookieHandler(new CookieManager()).build();
    String csrf = csrf(browser.send(get("/login").build(), BodyHandlers.ofString()).body());
    HttpResponse<String> login =
        browser.send(
            form("/login", "token=" + alice + "&_csrf=" + csrf).build(), BodyHandlers.ofString());
    assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
    String page = browser.send(get("/datasets").build(), BodyHandlers.ofString()).body();
    assertThat(page).contains(name).doesNotContain("/datasets/" + name + "/delete");

    HttpResponse<String> delete =
        browser.send(
            form("/datasets/" + name + "/delete", "_csrf=" + csrf(page)).build(),
            BodyHandlers.ofString());

    assertThat(delete.statusCode()).isIn(302, 403);
    assertThat(send("GET", "/api/v1/datasets/" + name, alice, null, null).statusCode())
        .isEqualTo(200);
  }

  @Test
  void a_user_cannot_plant_an_mlflow_run_in_another_users_digit_lab_experiment() throws Exception {
    String experiment = submitExperiment(bob, "bobs-search-" + unique);

    HttpResponse<String> refused =
        send(
            "POST",
            "/api/2.0/mlflow/runs/create",
            alice,
            "application/json",
            "{\"experiment_id\": \"" + experiment + "\", \"run_name\": \"planted\"}");

    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(json(refused).path("error_code").asString()).isEqualTo("PERMISSION_DENIED");
    assertThat(send("GET", "/api/v1/experiments/" + experiment, bob, null, null).body())
        .doesNotContain("planted");
    // Experiments made through MLflow's API stay shared, as in MLflow (MlflowClientTest).
    String shared =
        json(send(
                "POST",
                "/api/2.0/mlflow/experiments/create",
                bob,
                "application/json",
                "{\"name\": \"bobs-" + unique + "\"}"))
            .path("experiment_id")
            .asString();
    for (String id : new String[] {shared, "0"}) {
      assertThat(
              send(
                      "POST",
                      "/api/2.0/mlflow/runs/create",
                      alice,
                      "application/json",
                      "{\"experiment_id\": \"" + id + "\"}")
                  .statusCode())
          .isEqualTo(200);
    }
  }

  /**
   * A search's LIKE was a backtracking regex ({@code '%a%a%a%a%a%a%b'} became {@code
   * .*a.*a.*a.*a.*a.*a.*b}): against a name of 250 {@code a}s it tried every way of placing the
   * {@code a}s, C(250, 6) and more, and held a core for hours, from one read a viewer may send.
   * Before the fix this request did not answer within the client's timeout.
   */
  @Test
  void a_viewer_cannot_pin_the_server_with_a_like_filter() throws Exception {
    String viewer = tokens.create("viewer-" + unique, Role.VIEWER).secret();
    String experiment =
        json(send(
                "POST",
                "/api/2.0/mlflow/experiments/create",
                alice,
                "application/json",
                "{\"name\": \"like-" + unique + "\"}"))
            .path("experiment_id")
            .asString();
    String name = "a".repeat(250);
    HttpResponse<String> run =
        send(
            "POST",
            "/api/2.0/mlflow/runs/create",
            alice,
            "application/json",
            "{\"experiment_id\": \"" + experiment + "\", \"run_name\": \"" + name + "\"}");
    assertThat(run.statusCode()).as(run.body()).isEqualTo(200);

    String search = "{\"experiment_ids\": [\"%s\"], \"filter\": \"attributes.run_name %s '%s'\"}";
    HttpResponse<String> none =
        send(
            "POST",
            "/api/2.0/mlflow/runs/search",
            viewer,
            "application/json",
            search.formatted(experiment, "LIKE", "%a".repeat(12) + "%b"),
            Duration.ofSeconds(60));

    assertThat(none.statusCode()).as(none.body()).isEqualTo(200);
    assertThat(json(none).path("runs").size()).as(none.body()).isZero();
    // LIKE and ILIKE still match as SQL's do: % any run, _ one character, ILIKE any case.
    for (String[] like :
        new String[][] {
          {"LIKE", "%a%a_a%"}, {"ILIKE", "A%" + "A".repeat(248) + "_"}, {"LIKE", "_".repeat(250)}
        }) {
      HttpResponse<String> found =
          send(
              "POST",
              "/api/2.0/mlflow/runs/search",
              viewer,
              "application/json",
              search.formatted(experiment, like[0], like[1]));
      assertThat(json(found).path("runs").size()).as(like[1] + ": " + found.body()).isEqualTo(1);
    }
    for (String[] unlike :
        new String[][] {{"LIKE", "A%"}, {"LIKE", "_".repeat(251)}, {"LIKE", "%b%"}}) {
      HttpResponse<String> missed =
          send(
              "POST",
              "/api/2.0/mlflow/runs/search",
              viewer,
              "application/json",
              search.formatted(experiment, unlike[0], unlike[1]));
      assertThat(json(missed).path("runs").size()).as(missed.body()).isZero();
    }
  }

  /**
   * Every open event stream polls the database ten times a second for as long as its experiment
   * runs, and nothing bounded how many one caller held: a viewer's script opening thousands on a
   * queued experiment loaded the database without end. Now one caller holds at most {@code
   * digitlab.events.max-streams-per-caller} (32) at once; before, the 33rd opened as the first.
   */
  @Test
  void a_viewer_cannot_hold_event_streams_without_limit() throws Exception {
    String viewer = tokens.create("streams-" + unique, Role.VIEWER).secret();
    String experiment = experimentWithAnEvent(alice, "streamed-" + unique);
    String path = "/api/v1/experiments/" + experiment + "/events";
    List<InputStream> open = new ArrayList<>();
    try {
      for (int i = 0; i < 32; i++) {
        HttpResponse<InputStream> stream = stream(path, viewer);
        open.add(stream.body());
        assertThat(stream.statusCode()).as("stream " + (i + 1)).isEqualTo(200);
      }

      HttpResponse<InputStream> refused = stream(path, viewer);
      open.add(refused.body());

      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(new String(refused.body().readAllBytes(), StandardCharsets.UTF_8))
          .contains("streams-" + unique)
          .contains("digitlab.events.max-streams-per-caller");
      // Another caller's streams are theirs to count.
      HttpResponse<InputStream> others = stream(path, alice);
      open.add(others.body());
      assertThat(others.statusCode()).isEqualTo(200);
    } finally {
      for (InputStream stream : open) {
        stream.close();
      }
    }
  }

  /**
   * Revoking a token refused its next request but not the event streams it had open: a revoked
   * viewer kept reading an experiment's live events for as long as it ran. A stream now asks again
   * every keep-alive interval and ends once its token is revoked; before, this one stayed open
   * until the client's timeout.
   */
  @Test
  void a_revoked_token_stops_reading_its_open_event_streams() throws Exception {
    NewToken viewer = tokens.create("revoked-" + unique, Role.VIEWER);
    String experiment = experimentWithAnEvent(alice, "revoked-" + unique);
    HttpResponse<InputStream> stream =
        stream("/api/v1/experiments/" + experiment + "/events", viewer.secret());
    assertThat(stream.statusCode()).isEqualTo(200);

    tokens.revoke(viewer.token().id());

    try (InputStream body = stream.body()) {
      String read =
          CompletableFuture.supplyAsync(
                  () -> {
                    try {
                      return new String(body.readAllBytes(), StandardCharsets.UTF_8);
                    } catch (IOException e) {
                      throw new UncheckedIOException(e);
                    }
                  })
              .get(2, TimeUnit.MINUTES);
      // It had the stored event, and then the stream ended.
      assertThat(read).contains("hello");
    }
  }

  /** A one-trial experiment, which stays queued: this server has no worker. */
  private String submitExperiment(String token, String name) throws Exception {
    HttpResponse<String> submitted =
        send(
            "POST",
            "/api/v1/experiments",
            token,
            "application/json",
            """
            {"name": "%s", "dataset": "mnist",
             "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01}}
            """
                .formatted(name));
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    return json(submitted).path("id").asString();
  }

  /**
   * A queued experiment whose trial has one stored event (a log line, "hello"), so that a stream of
   * it answers at once with it; an empty one would answer at its first keep-alive.
   */
  private String experimentWithAnEvent(String token, String name) throws Exception {
    String experiment = submitExperiment(token, name);
    String trial =
        json(send("GET", "/api/v1/experiments/" + experiment, token, null, null))
            .path("trials")
            .get(0)
            .path("id")
            .asString();
    HttpResponse<String> logged =
        send(
            "POST",
            "/api/v1/trials/" + trial + "/events",
            token,
            "application/json",
            """
            {"attempt": 1, "events": [{"seq": 1, "time": "2026-01-02T03:04:05Z", "type": "log",
              "payload": {"level": "INFO", "message": "hello"}}]}
            """);
    assertThat(logged.statusCode()).as(logged.body()).isEqualTo(200);
    return experiment;
  }

  /** An event stream, answered once its headers came. */
  private HttpResponse<InputStream> stream(String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base() + path))
            .header("Authorization", "Bearer " + token)
            .header("Accept", "text/event-stream")
            .build(),
        BodyHandlers.ofInputStream());
  }

  private String registerDataset(String token) throws Exception {
    String name = "owned-" + unique;
    byte[] archive = SyntheticIdx.tar(SyntheticIdx.write(work.resolve(name), 60, 20, 10, 1));
    HttpResponse<String> added =
        http.send(
            HttpRequest.newBuilder(URI.create(base() + "/api/v1/datasets?name=" + name))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/x-tar")
                .POST(BodyPublishers.ofByteArray(archive))
                .build(),
            BodyHandlers.ofString());
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    return name;
  }

  private HttpResponse<String> send(
      String method, String path, String token, String contentType, String body) throws Exception {
    return send(method, path, token, contentType, body, Duration.ofMinutes(2));
  }

  private HttpResponse<String> send(
      String method, String path, String token, String contentType, String body, Duration timeout)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base() + path))
            .timeout(timeout)
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private HttpRequest.Builder get(String path) {
    return HttpRequest.newBuilder(URI.create(base() + path)).GET();
  }

  private HttpRequest.Builder form(String path, String body) {
    return HttpRequest.newBuilder(URI.create(base() + path))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(BodyPublishers.ofString(body));
  }

  private static String csrf(String page) {
    Matcher matcher = CSRF_FIELD.matcher(page);
    assertThat(matcher.find()).as("a CSRF field in the page").isTrue();
    return matcher.group(1);
  }

  private static JsonNode json(HttpResponse<String> response) {
    return Json.mapper().readTree(response.body());
  }

  private String base() {
    return "http://127.0.0.1:" + port;
  }
}
