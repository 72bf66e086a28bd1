package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.events.EventStore;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.queue.TrialStatus;
import dev.digitlab.server.testing.AuthServerTest;
import dev.digitlab.server.trials.Trial;
import dev.digitlab.server.trials.TrialStore;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Rule: users manage their own experiments. Everyone who may read reads every experiment; a user
 * cancels, deletes and retries only the experiments (and their trials) it owns, and gets a 403
 * naming the owner and the role that may; nothing changes then. An admin changes anyone's. The
 * owner is the creating token's name, shown in the API and filterable.
 */
class OwnershipTest extends AuthServerTest {

  private static final ObjectMapper JSON = Json.mapper();
  private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final String EXPERIMENT =
      """
      {"name": "owned", "dataset": "mnist",
       "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "learningRate": 0.01},
       "search": {"type": "grid", "parameters": {"batchSize": [64, 128]}}}
      """;
  private static final String EVENTS =
      """
      {"attempt": 1, "events": [{"seq": 1, "time": "2026-01-01T00:00:00Z", "type": "metric",
        "payload": {"key": "train_loss", "value": 1, "step": 1, "epoch": 1}}]}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;
  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired EventStore events;

  String admin;
  String alice;
  String bob;
  String viewer;

  @BeforeEach
  void tokens() throws Exception {
    admin = Files.readString(home.resolve("admin-token")).strip();
    alice = tokens.create("alice", Role.USER).secret();
    bob = tokens.create("bob", Role.USER).secret();
    viewer = tokens.create("dashboard", Role.VIEWER).secret();
  }

  @Test
  void the_creating_tokens_name_owns_the_experiment_and_everyone_reads_it() throws Exception {
    long id = submit(alice);

    assertThat(json("GET", "/api/v1/experiments/" + id, bob).path("owner").asString())
        .isEqualTo("alice");
    assertThat(json("GET", "/api/v1/experiments/" + id, viewer).path("owner").asString())
        .isEqualTo("alice");
    assertThat(experiments.find(id).orElseThrow().owner()).isEqualTo("alice");
  }

  @Test
  void a_user_cannot_cancel_or_delete_another_users_experiment_and_nothing_changes()
      throws Exception {
    long id = submit(alice);

    HttpResponse<String> cancel = send("POST", "/api/v1/experiments/" + id + "/cancel", bob, null);
    HttpResponse<String> delete = send("DELETE", "/api/v1/experiments/" + id, bob, null);

    for (HttpResponse<String> refused : List.of(cancel, delete)) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      assertThat(refused.headers().firstValue("Content-Type"))
          .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
      JsonNode problem = JSON.readTree(refused.body());
      assertThat(problem.path("status").asInt()).isEqualTo(403);
      assertThat(problem.path("owner").asString()).isEqualTo("alice");
      assertThat(problem.path("caller").asString()).isEqualTo("bob");
      assertThat(problem.path("requiredRole").asString()).isEqualTo("admin");
      assertThat(problem.path("detail").asString())
          .contains("Experiment " + id + " belongs to 'alice'")
          .contains("token 'bob' (role user)")
          .contains("needs role admin");
    }
    assertThat(experiments.find(id).orElseThrow().status()).isEqualTo(ExperimentStatus.QUEUED);
    assertThat(trials.listByExperiment(id))
        .hasSize(2)
        .allSatisfy(trial -> assertThat(trial.status()).isEqualTo(TrialStatus.QUEUED));
  }

  @Test
  void a_user_cannot_cancel_retry_or_write_into_another_users_trials() throws Exception {
    long id = submit(alice);
    List<Trial> list = trials.listByExperiment(id);
    long queued = list.get(0).id();
    long cancelled = list.get(1).id();
    assertThat(status("POST", "/api/v1/trials/" + cancelled + "/cancel", alice, null))
        .isEqualTo(200);

    HttpResponse<String> cancel = send("POST", "/api/v1/trials/" + queued + "/cancel", bob, null);
    HttpResponse<String> retry = send("POST", "/api/v1/trials/" + cancelled + "/retry", bob, null);
    HttpResponse<String> write = send("POST", "/api/v1/trials/" + queued + "/events", bob, EVENTS);

    for (HttpResponse<String> refused : List.of(cancel, retry, write)) {
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      JsonNode problem = JSON.readTree(refused.body());
      assertThat(problem.path("owner").asString()).isEqualTo("alice");
      assertThat(problem.path("detail").asString()).contains("of experiment " + id);
    }
    assertThat(trials.get(queued).status()).isEqualTo(TrialStatus.QUEUED);
    assertThat(trials.get(cancelled).status()).isEqualTo(TrialStatus.CANCELLED);
    assertThat(events.lastId(queued)).isZero();

    assertThat(status("POST", "/api/v1/trials/" + queued + "/events", alice, EVENTS))
        .isEqualTo(200);
    assertThat(status("POST", "/api/v1/trials/" + cancelled + "/retry", alice, null))
        .isEqualTo(200);
    assertThat(status("POST", "/api/v1/trials/" + queued + "/cancel", alice, null)).isEqualTo(200);
  }

  @Test
  void the_owner_cancels_clones_and_deletes_its_own_experiment() throws Exception {
    long id = submit(alice);

    assertThat(status("POST", "/api/v1/experiments/" + id + "/cancel", alice, null)).isEqualTo(200);
    assertThat(status("DELETE", "/api/v1/experiments/" + id, alice, null)).isEqualTo(204);
    assertThat(experiments.find(id)).isEmpty();
  }

  @Test
  void a_user_clones_anyones_experiment_as_its_own() throws Exception {
    long id = submit(alice);

    HttpResponse<String> clone =
        send("POST", "/api/v1/experiments/" + id + "/clone", bob, "{\"name\": \"bobs-copy\"}");

    assertThat(clone.statusCode()).as(clone.body()).isEqualTo(201);
    long copy = JSON.readTree(clone.body()).path("id").asLong();
    assertThat(JSON.readTree(clone.body()).path("owner").asString()).isEqualTo("bob");
    assertThat(status("POST", "/api/v1/experiments/" + copy + "/cancel", bob, null)).isEqualTo(200);
    assertThat(status("DELETE", "/api/v1/experiments/" + copy, bob, null)).isEqualTo(204);
    assertThat(experiments.find(id)).isPresent();
  }

  @Test
  void an_admin_changes_anyones_experiments_and_trials() throws Exception {
    long id = submit(bob);
    long trial = trials.listByExperiment(id).getFirst().id();

    assertThat(status("POST", "/api/v1/trials/" + trial + "/cancel", admin, null)).isEqualTo(200);
    assertThat(status("POST", "/api/v1/trials/" + trial + "/retry", admin, null)).isEqualTo(200);
    assertThat(status("POST", "/api/v1/experiments/" + id + "/cancel", admin, null)).isEqualTo(200);
    assertThat(status("DELETE", "/api/v1/experiments/" + id, admin, null)).isEqualTo(204);
    assertThat(experiments.find(id)).isEmpty();
  }

  @Test
  void what_the_admin_creates_only_users_cannot_change() throws Exception {
    long id = submit(admin);

    assertThat(json("GET", "/api/v1/experiments/" + id, alice).path("owner").asString())
        .isEqualTo("bootstrap-admin");
    assertThat(status("DELETE", "/api/v1/experiments/" + id, alice, null)).isEqualTo(403);
    assertThat(experiments.find(id)).isPresent();
  }

  @Test
  void the_list_filters_by_owner() throws Exception {
    long ofAlice = submit(alice);
    long ofBob = submit(bob);

    JsonNode page = json("GET", "/api/v1/experiments?owner=alice&size=500", viewer);

    List<Long> ids = new ArrayList<>();
    page.path("items").forEach(item -> ids.add(item.path("id").asLong()));
    assertThat(ids).contains(ofAlice).doesNotContain(ofBob);
    page.path("items")
        .forEach(item -> assertThat(item.path("owner").asString()).isEqualTo("alice"));
    assertThat(page.path("total").asLong()).isEqualTo(ids.size());
    assertThat(json("GET", "/api/v1/experiments?owner=nobody", viewer).path("total").asLong())
        .isZero();
  }

  @Test
  void the_experiment_page_shows_the_owner_and_only_the_buttons_the_caller_may_use()
      throws Exception {
    long id = submit(alice);

    String asAlice = page("/experiments/" + id, alice);
    String asBob = page("/experiments/" + id, bob);

    assertThat(asAlice).contains("id=\"owner\"").contains(">alice</a>").contains("hx-delete=");
    assertThat(asBob).contains(">alice</a>").doesNotContain("hx-delete=");
    assertThat(asBob).doesNotContain("/api/v1/trials/");
    assertThat(page("/?owner=alice", bob)).contains("data-id=\"" + id + "\"");
    assertThat(page("/", bob)).contains("id=\"mine\" href=\"/?owner=bob\"");
  }

  @Test
  void an_experiment_made_with_the_web_form_belongs_to_the_logged_in_user() throws Exception {
    HttpClient browser =
        HttpClient.newBuilder()
            .cookieHandler(new CookieManager())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    String loginCsrf = csrf(browserGet(browser, "/login"));
    HttpResponse<String> login =
        browserForm(browser, "/login", "token=" + enc(alice) + "&_csrf=" + enc(loginCsrf));
    assertThat(login.statusCode()).isEqualTo(303);
    String csrf = csrf(browserGet(browser, "/login"));

    HttpResponse<String> created =
        browserForm(
            browser,
            "/experiments/new",
            "name=from-the-form&config.model=mlp&config.epochs=1&searchType=none&_csrf="
                + enc(csrf));

    assertThat(created.statusCode()).as(created.body()).isEqualTo(302);
    String location = created.headers().firstValue("Location").orElseThrow();
    long id = Long.parseLong(location.substring(location.lastIndexOf('/') + 1));
    assertThat(experiments.find(id).orElseThrow().owner()).isEqualTo("alice");
  }

  @Test
  void a_pipelines_train_step_makes_an_experiment_its_starter_owns() throws Exception {
    HttpResponse<String> started =
        send(
            "POST",
            "/api/v1/pipelines",
            alice,
            """
            {"name": "owned-pipeline", "steps": [
              {"name": "fit", "type": "train", "parameters": {"model": "mlp", "epochs": 1}}]}
            """);
    assertThat(started.statusCode()).as(started.body()).isEqualTo(201);
    JsonNode run = JSON.readTree(started.body());
    assertThat(run.path("owner").asString()).isEqualTo("alice");

    JsonNode experiment = null;
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
    while (experiment == null && System.nanoTime() < deadline) {
      JsonNode items =
          json("GET", "/api/v1/experiments?q=owned-pipeline%2Ffit", viewer).path("items");
      experiment = items.isEmpty() ? null : items.get(0);
      Thread.sleep(50);
    }
    assertThat(experiment).as("the train step's experiment").isNotNull();
    long id = experiment.path("id").asLong();
    assertThat(experiment.path("owner").asString()).isEqualTo("alice");
    assertThat(status("POST", "/api/v1/experiments/" + id + "/cancel", bob, null)).isEqualTo(403);
    assertThat(status("POST", "/api/v1/experiments/" + id + "/cancel", alice, null)).isEqualTo(200);
  }

  @Test
  void a_token_cannot_be_named_after_the_owners_nobody_holds() throws Exception {
    for (String name : List.of("local", "system", "System")) {
      HttpResponse<String> refused =
          send("POST", "/api/v1/tokens", admin, "{\"role\": \"user\", \"name\": \"" + name + "\"}");
      assertThat(refused.statusCode()).as(name).isEqualTo(400);
      assertThat(refused.body()).contains("reserved");
    }
  }

  private long submit(String token) throws Exception {
    HttpResponse<String> response = send("POST", "/api/v1/experiments", token, EXPERIMENT);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return JSON.readTree(response.body()).path("id").asLong();
  }

  private JsonNode json(String method, String path, String token) throws Exception {
    HttpResponse<String> response = send(method, path, token, null);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  private String page(String path, String token) throws Exception {
    HttpResponse<String> response =
        http.send(
            HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "text/html")
                .GET()
                .build(),
            BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  private int status(String method, String path, String token, String body) throws Exception {
    return send(method, path, token, body).statusCode();
  }

  private HttpResponse<String> send(String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private String browserGet(HttpClient browser, String path) throws Exception {
    return browser
        .send(
            HttpRequest.newBuilder(uri(path)).header("Accept", "text/html").GET().build(),
            BodyHandlers.ofString())
        .body();
  }

  private HttpResponse<String> browserForm(HttpClient browser, String path, String form)
      throws Exception {
    return browser.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(BodyPublishers.ofString(form))
            .build(),
        BodyHandlers.ofString());
  }

  private static String csrf(String page) {
    Matcher matcher = CSRF_FIELD.matcher(page);
    assertThat(matcher.find()).as("the page has a CSRF field").isTrue();
    return matcher.group(1);
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
