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
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Finding 1 of issue 15: a pipeline {@code command} step runs a program as the server's OS user.
 * Rule: the server runs none unless its operator started it with {@code --allow-commands}; then
 * only admins and tokens granted {@code --can-run-commands} may submit one, and the program gets a
 * scrubbed environment.
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

  /** Prints the program's environment, one NAME=VALUE a line. */
  private static final String ENV =
      """
      {"name": "env", "steps": [
        {"name": "env", "type": "command", "parameters": {"executable": "env"}}]}
      """;

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path home;

  @Test
  void without_allow_commands_nobody_runs_a_program_not_even_an_admin() throws Exception {
    try (ConfigurableApplicationContext server = start(false, true)) {
      String base = base(server);
      String admin = Files.readString(home.resolve("admin-token")).strip();
      String user = server.getBean(TokenStore.class).create("mallory", Role.USER).secret();

      for (String token : List.of(user, admin)) {
        HttpResponse<String> refused = post(base, "/api/v1/pipelines", token, ATTACK);
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
        assertThat(refused.headers().firstValue("Content-Type"))
            .hasValue("application/problem+json");
        assertThat(refused.body()).contains("--allow-commands");
      }
      assertThat(get(base, "/api/v1/pipelines", admin).body()).isEqualTo("[]");
    }
  }

  @Test
  void without_allow_commands_the_loopback_default_runs_no_program_either() throws Exception {
    try (ConfigurableApplicationContext server = start(false, false)) {
      String base = base(server);
      HttpResponse<String> refused = post(base, "/api/v1/pipelines", null, ENV);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      assertThat(refused.body()).contains("--allow-commands");
    }
  }

  @Test
  void with_allow_commands_a_plain_user_is_refused_and_a_granted_token_runs_scrubbed()
      throws Exception {
    try (ConfigurableApplicationContext server = start(true, true)) {
      String base = base(server);
      String admin = Files.readString(home.resolve("admin-token")).strip();
      String user = server.getBean(TokenStore.class).create("mallory", Role.USER).secret();

      HttpResponse<String> refused = post(base, "/api/v1/pipelines", user, ATTACK);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      assertThat(refused.body()).contains("--can-run-commands");
      assertThat(get(base, "/api/v1/pipelines", admin).body()).isEqualTo("[]");

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
      assertThat(JSON.readTree(granted.body()).path("canRunCommands").asBoolean()).isTrue();
      String carol = JSON.readTree(granted.body()).path("token").asString();
      JsonNode listed = JSON.readTree(get(base, "/api/v1/tokens", admin).body());
      assertThat(listed.findValuesAsString("canRunCommands")).contains("true", "false");

      HttpResponse<String> created = post(base, "/api/v1/pipelines", carol, ENV);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      long id = JSON.readTree(created.body()).path("id").asLong();
      awaitEnd(base, admin, id);
      String log = get(base, "/api/v1/pipelines/" + id + "/steps/env/logs", admin).body();
      Set<String> names =
          Arrays.stream(log.split("\n"))
              .filter(line -> line.startsWith("[1] ") && line.contains("=") && !line.contains("$"))
              .map(line -> line.substring(4, line.indexOf('=')))
              .collect(Collectors.toSet());
      assertThat(names)
          .contains("PATH", "HOME", "DIGITLAB_STEP_DIR")
          .allMatch(
              name ->
                  Set.of(
                          "PATH",
                          "LANG",
                          "HOME",
                          "DIGITLAB_STEP_DIR",
                          "DIGITLAB_PIPELINE_RUN",
                          "DIGITLAB_STEP",
                          "DIGITLAB_ATTEMPT")
                      .contains(name),
              "only the scrubbed environment");
      assertThat(log).contains("HOME=" + home.toAbsolutePath().resolve("pipelines"));

      assertThat(post(base, "/api/v1/pipelines", admin, ENV).statusCode()).isEqualTo(201);
    }
  }

  private ConfigurableApplicationContext start(boolean allowCommands, boolean auth) {
    return SpringApplication.run(
        DigitLabServer.class,
        "--server.port=0",
        "--digitlab.home=" + home,
        "--digitlab.worker.slots=0",
        "--digitlab.auth.enabled=" + auth,
        "--digitlab.commands.allowed=" + allowCommands);
  }

  private static String base(ConfigurableApplicationContext server) {
    return "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
  }

  private void awaitEnd(String base, String token, long id) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
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
