package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.server.DigitLabServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Rule: by default (loopback, authentication off) nothing is asked of a client: no generated
 * password, no login redirect, no token, no admin-token file; an API client posts without CSRF.
 * Only a browser page from another site is refused.
 */
@ExtendWith(OutputCaptureExtension.class)
class LoopbackDefaultsTest {

  private static final ObjectMapper JSON = Json.mapper();

  @TempDir Path home;

  @Test
  void the_default_server_asks_nothing_of_its_local_clients(CapturedOutput output)
      throws Exception {
    HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    try (ConfigurableApplicationContext server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            "--digitlab.worker.slots=0")) {
      String base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");

      HttpResponse<String> list =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
                  .header("Accept", "text/html,*/*")
                  .build(),
              BodyHandlers.ofString());
      HttpResponse<String> submit =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
                  .header("Content-Type", "application/yaml")
                  .POST(
                      BodyPublishers.ofString(
                          Files.readString(Path.of("../examples/grid-lr-batch.yaml"))))
                  .build(),
              BodyHandlers.ofString());

      assertThat(list.statusCode()).isEqualTo(200);
      assertThat(submit.statusCode()).isEqualTo(201);

      // Owners are recorded but not enforced: anyone could leave out a token anyway. Without a
      // token the owner is 'local'; a token's holder changes what it does not own, as before.
      JsonNode local = JSON.readTree(submit.body());
      assertThat(local.path("owner").asString()).isEqualTo(Ownership.LOCAL);
      String bob = server.getBean(TokenStore.class).create("bob", Role.USER).secret();
      HttpResponse<String> deletedByBob =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(base + "/api/v1/experiments/" + local.path("id").asLong()))
                  .header("Authorization", "Bearer " + bob)
                  .DELETE()
                  .build(),
              BodyHandlers.ofString());
      assertThat(deletedByBob.statusCode()).as(deletedByBob.body()).isEqualTo(204);

      // ...but no other web site the user visits can post to it (a form post needs no CORS
      // preflight); the server's own pages can.
      String experiment = Files.readString(Path.of("../examples/grid-lr-batch.yaml"));
      HttpResponse<String> fromElsewhere =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
                  .header("Content-Type", "text/plain")
                  .header("Origin", "https://evil.example")
                  .POST(BodyPublishers.ofString(experiment))
                  .build(),
              BodyHandlers.ofString());
      HttpResponse<String> fromItsOwnPage =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
                  .header("Content-Type", "text/plain")
                  .header("Origin", base)
                  .POST(BodyPublishers.ofString(experiment))
                  .build(),
              BodyHandlers.ofString());
      assertThat(fromElsewhere.statusCode()).isEqualTo(403);
      assertThat(fromElsewhere.body()).contains("another site");
      assertThat(fromItsOwnPage.statusCode()).isEqualTo(201);
    }
    assertThat(output.getAll()).doesNotContain("generated security password");
    assertThat(home.resolve("admin-token")).doesNotExist();
  }
}
