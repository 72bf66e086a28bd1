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
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The small findings (11) of issue 15 on the default server: a form posted without its CSRF token
 * was told it "needs a token"; pixel value 1e308 was reported as "-1"; the H2 file was mode 0644.
 * (SameSite, sessions for bearer requests and the /login redirect: {@link SessionsTest}.)
 */
class SmallHolesTest {

  @TempDir Path home;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void the_default_server_answers_small_mistakes_plainly_and_keeps_its_database_private()
      throws Exception {
    try (ConfigurableApplicationContext server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            "--digitlab.worker.slots=0")) {
      String base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");

      HttpResponse<String> form =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/logout"))
                  .header("Content-Type", "application/x-www-form-urlencoded")
                  .POST(BodyPublishers.ofString("x=1"))
                  .build(),
              BodyHandlers.ofString());
      assertThat(form.statusCode()).isEqualTo(403);
      assertThat(form.body()).contains("CSRF").doesNotContain("needs a token");

      String pixels = "[1e308" + String.join("", Collections.nCopies(783, ",0")) + "]";
      HttpResponse<String> huge =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/v1/preprocess"))
                  .header("Content-Type", "application/json")
                  .POST(BodyPublishers.ofString("{\"pixels\":" + pixels + "}"))
                  .build(),
              BodyHandlers.ofString());
      assertThat(huge.statusCode()).isEqualTo(400);
      assertThat(huge.body()).contains("between 0 and 255", "1.0E308").doesNotContain("is -1");

      try (var files = Files.list(home.resolve("db"))) {
        files.forEach(
            file -> {
              try {
                assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                    .as(file.toString())
                    .isEqualTo("rw-------");
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
      }
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("db"))))
          .isEqualTo("rwx------");
    }
  }
}
