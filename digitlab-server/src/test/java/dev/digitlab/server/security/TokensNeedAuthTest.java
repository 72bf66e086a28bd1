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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Finding 3 of issue 15: with authentication off anyone could mint an admin token, which stayed
 * admin after the server was restarted with {@code --auth}, and then no {@code admin-token} was
 * written. Rule: tokens are minted only with authentication on; a token made while it was off is
 * revoked at the first start with it on, and that start writes {@code admin-token} unless an admin
 * token made with authentication on exists.
 */
class TokensNeedAuthTest {

  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path home;

  @Test
  void a_token_planted_while_auth_was_off_is_not_admin_after_auth_is_turned_on() throws Exception {
    String planted;
    try (ConfigurableApplicationContext server = start(false)) {
      HttpResponse<String> minted =
          http.send(
              HttpRequest.newBuilder(URI.create(base(server) + "/api/v1/tokens"))
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofString("{\"role\":\"admin\",\"name\":\"planted\"}"))
                  .build(),
              BodyHandlers.ofString());
      assertThat(minted.statusCode()).as(minted.body()).isEqualTo(403);
      assertThat(minted.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(minted.body()).contains("--auth");
      assertThat(server.getBean(TokenStore.class).list()).isEmpty();
      // As a server before this fix stored it (or anything else that writes the table directly).
      planted = server.getBean(TokenStore.class).create("planted", Role.ADMIN).secret();
    }
    assertThat(home.resolve("admin-token")).doesNotExist();

    try (ConfigurableApplicationContext server = start(true)) {
      assertThat(home.resolve("admin-token")).exists();
      String admin = Files.readString(home.resolve("admin-token")).strip();
      assertThat(tokens(server, planted).statusCode()).isEqualTo(401);
      assertThat(tokens(server, admin).statusCode()).isEqualTo(200);
      assertThat(server.getBean(BootstrapAdmin.class).written())
          .hasValue(home.resolve("admin-token").toAbsolutePath());
    }

    // The next start keeps that admin token: nothing new is written.
    Files.delete(home.resolve("admin-token"));
    try (ConfigurableApplicationContext server = start(true)) {
      assertThat(home.resolve("admin-token")).doesNotExist();
      assertThat(server.getBean(BootstrapAdmin.class).written()).isEmpty();
    }
  }

  private HttpResponse<String> tokens(ConfigurableApplicationContext server, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(base(server) + "/api/v1/tokens"))
            .header("Authorization", "Bearer " + token)
            .build(),
        BodyHandlers.ofString());
  }

  private ConfigurableApplicationContext start(boolean auth) {
    return SpringApplication.run(
        DigitLabServer.class,
        "--server.port=0",
        "--digitlab.home=" + home,
        "--digitlab.worker.slots=0",
        "--digitlab.auth.enabled=" + auth);
  }

  private static String base(ConfigurableApplicationContext server) {
    return "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
  }
}
