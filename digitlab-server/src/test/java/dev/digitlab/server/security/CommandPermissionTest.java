package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.DigitLabServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Finding 1 of issue 15, and issue 17: a pipeline {@code command} step runs a program. Rule: only
 * admins and tokens granted {@code --can-run-commands} may submit one (others get 403 naming the
 * permission, with nothing stored); the program never runs in the server's process but as a command
 * trial on a worker with capability {@code command} (here the embedded worker, allowed with {@code
 * --allow-commands}), with a scrubbed environment. Without such a worker the step waits, saying
 * why.
 */
class CommandPermissionTest {

  private static final ObjectMapper JSON = dev.digitlab.ml.json.Json.mapper();

  /** The attack: read the admin token from the data home and mint an admin token with it. */
  private static final String ATTACK =
      """
      {"name": "mint", "steps": [
        {"name": "steal", "type": "command",
         "parameters": {"executable": "sh", "args": ["-c",
           "curl -s -XPOST -H \\"Authorization: Bearer $(cat $DIGITLAB_HOME/admin-token)\\" -H 'Content-Type: application/json' -d '{\\"role\\":\\"admin\\"}' $URL/api/v1/tokens"]}}]}
      """;

  /**
   * Prints the program's environment, one NAME=VALUE a line ({@code level} becomes sh's {@code $0},
   * {@code --level=3}, and {@code DIGITLAB_PARAM_LEVEL}).
   */
  private static final String ENV =
      """
      {"name": "env", "steps": [
        {"name": "env", "type": "command", "parameters": {"executable": "sh", "args": ["-c", "env"], "level": 3}}]}
      """;

  /** What a command trial's program may see: nothing of the server's or the worker's own. */
  private static final Set<String> SCRUBBED =
      Set.of(
          "PATH",
          "LANG",
          "HOME",
          "DIGITLAB_OUTPUT_DIR",
          "DIGITLAB_CHECKPOINT_DIR",
          "DIGITLAB_TRIAL_ID",
          "DIGITLAB_EXPERIMENT_ID",
          "DIGITLAB_PARAM_LEVEL",
          "MLFLOW_TRACKING_URI",
          "MLFLOW_RUN_ID",
          "MLFLOW_EXPERIMENT_ID",
          "MLFLOW_TRACKING_TOKEN",
          // Set by sh itself (the step runs "sh -c env"), not passed in.
          "PWD");

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path home;

  @Test
  void a_plain_user_gets_403_naming_the_permission_and_nothing_is_stored() throws Exception {
    try (ConfigurableApplicationContext server = start(true, true, 0)) {
      String base = base(server);
      String admin = Files.readString(home.resolve("admin-token")).strip();
      String user = server.getBean(TokenStore.class).create("mallory", Role.USER).secret();

      HttpResponse<String> refused = post(base, "/api/v1/pipelines", user, ATTACK);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(JSON.readTree(refused.body()).path("permission").asString())
          .isEqualTo("run-commands");
      assertThat(refused.body()).contains("--can-run-commands");
      assertThat(get(base, "/api/v1/pipelines", admin).body()).isEqualTo("[]");
      assertThat(get(base, "/api/v1/experiments", admin).body()).doesNotContain("mint");
    }
  }

  @Test
  void without_a_command_worker_the_step_waits_saying_for_what() throws Exception {
    // --allow-commands off: the embedded worker never claims a command trial.
    try (ConfigurableApplicationContext server = start(false, true, 1)) {
      String base = base(server);
      String admin = Files.readString(home.resolve("admin-token")).strip();
      HttpResponse<String> created = post(base, "/api/v1/pipelines", admin, ENV);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      long id = JSON.readTree(created.body()).path("id").asLong();

      JsonNode step = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (System.nanoTime() < deadline) {
        step = JSON.readTree(get(base, "/api/v1/pipelines/" + id + "/steps/env", admin).body());
        if (step.path("waitingFor").isString()) {
          break;
        }
        Thread.sleep(100);
      }
      assertThat(step.path("status").asString()).isEqualTo("running");
      assertThat(step.path("waitingFor").asString())
          .contains("waiting for a worker with capability command");
      long trial = step.path("trialId").asLong();
      JsonNode queued = JSON.readTree(get(base, "/api/v1/trials/" + trial, admin).body());
      assertThat(queued.path("status").asString()).isEqualTo("queued");
      assertThat(get(base, "/pipelines/" + id + "/steps/env", admin).body())
          .contains("waiting for a worker with capability command");
      assertThat(get(base, "/api/v1/pipelines/" + id + "/steps/env/logs", admin).body())
          .contains("waiting for a worker with capability command");
      Thread.sleep(1_000);
      assertThat(JSON.readTree(get(base, "/api/v1/trials/" + trial, admin).body()).path("status"))
          .as("the plain embedded worker never claims it")
          .hasToString("\"queued\"");

      HttpResponse<String> cancelled = post(base, "/api/v1/pipelines/" + id + "/cancel", admin, "");
      assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
      awaitEnd(base, admin, id);
      assertThat(JSON.readTree(get(base, "/api/v1/trials/" + trial, admin).body()).path("status"))
          .hasToString("\"cancelled\"");
    }
  }

  @Test
  void a_granted_token_runs_its_step_on_the_command_worker_with_a_scrubbed_environment()
      throws Exception {
    try (ConfigurableApplicationContext server = start(true, true, 1)) {
      String base = base(server);
      String admin = Files.readString(home.resolve("admin-token")).strip();

      // A viewer or worker cannot be granted it; a user can, by an admin.
      assertThat(
              post(
                      base,
                      "/api/v1/tokens",
                      admin,
                      "{\"name\":\"v\",\"role\":\"viewer\",\"canRunCommands\":true}")
                  .statusCode())
          .isEqualTo(400);
      HttpResponse<String> granted =
          post(
              base,
              "/api/v1/tokens",
              admin,
              "{\"name\":\"carol\",\"role\":\"user\",\"canRunCommands\":true}");
      assertThat(granted.statusCode()).as(granted.body()).isEqualTo(201);
      String carol = JSON.readTree(granted.body()).path("token").asString();

      HttpResponse<String> created = post(base, "/api/v1/pipelines", carol, ENV);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      long id = JSON.readTree(created.body()).path("id").asLong();
      awaitEnd(base, admin, id);
      JsonNode step =
          JSON.readTree(get(base, "/api/v1/pipelines/" + id + "/steps/env", admin).body());
      assertThat(step.path("status").asString()).as(step.toString()).isEqualTo("succeeded");
      String log = get(base, "/api/v1/pipelines/" + id + "/steps/env/logs", admin).body();
      Set<String> names =
          Arrays.stream(log.split("\n"))
              .filter(line -> line.startsWith("[1] ") && line.matches("\\[1] [A-Z_]+=.*"))
              .map(line -> line.substring(4, line.indexOf('=')))
              .collect(Collectors.toSet());
      assertThat(names)
          .contains("PATH", "HOME", "DIGITLAB_OUTPUT_DIR", "DIGITLAB_PARAM_LEVEL")
          .allMatch(SCRUBBED::contains, "only the scrubbed environment");
      assertThat(log).doesNotContain("DIGITLAB_HOME").doesNotContain(admin);
      // The step's trial is a command trial of carol's, like any command experiment's.
      JsonNode trial =
          JSON.readTree(get(base, "/api/v1/trials/" + step.path("trialId").asLong(), admin).body());
      assertThat(trial.path("status").asString()).isEqualTo("succeeded");
    }
  }

  private ConfigurableApplicationContext start(boolean allowCommands, boolean auth, int slots) {
    return SpringApplication.run(
        DigitLabServer.class,
        "--server.port=0",
        "--digitlab.home=" + home,
        "--digitlab.worker.slots=" + slots,
        "--digitlab.auth.enabled=" + auth,
        "--digitlab.commands.allowed=" + allowCommands);
  }

  private static String base(ConfigurableApplicationContext server) {
    return "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
  }

  private void awaitEnd(String base, String token, long id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) {
      String status =
          JSON.readTree(get(base, "/api/v1/pipelines/" + id, token).body())
              .path("status")
              .asString();
      if (!status.equals("running") && !status.equals("pending")) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("run " + id + " did not end");
  }

  private HttpResponse<String> post(String base, String path, String token, String json)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String base, String path, String token) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", "Bearer " + token)
            .build(),
        BodyHandlers.ofString());
  }
}
