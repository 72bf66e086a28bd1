package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.digitlab.server.DigitLabServer;
import dev.digitlab.server.testing.TestDatabase;
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
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Rule: secrets — API tokens and database passwords — never appear in the log or in an error
 * message, whatever happens to them: created, used, mistyped, revoked, logged in with; a password
 * in the JDBC URL of a database that works, or of one that cannot be reached.
 */
@ExtendWith(OutputCaptureExtension.class)
class SecretsNotLoggedTest {

  @TempDir Path home;

  private final HttpClient http =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @Test
  void tokens_stay_out_of_the_log_and_of_error_messages(CapturedOutput output) throws Exception {
    List<String> secrets = new ArrayList<>();
    List<String> answers = new ArrayList<>();
    try (ConfigurableApplicationContext server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            "--digitlab.worker.slots=0",
            "--digitlab.auth.enabled=true",
            // As verbose as an operator chasing a problem would make it.
            "--logging.level.root=INFO",
            "--logging.level.dev.digitlab=DEBUG",
            "--logging.level.org.springframework.security=DEBUG")) {
      String base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
      String admin = Files.readString(home.resolve("admin-token")).strip();
      secrets.add(admin);

      HttpResponse<String> created =
          send(base, "POST", "/api/v1/tokens", admin, "{\"role\":\"user\",\"name\":\"alice\"}");
      String user = created.body().replaceAll(".*\"token\":\"([^\"]+)\".*", "$1");
      secrets.add(user);
      String mistyped = user.substring(0, user.length() - 1) + (user.endsWith("A") ? "B" : "A");
      secrets.add(mistyped);
      long userId = Long.parseLong(created.body().replaceAll(".*\"id\":(\\d+).*", "$1"));

      answers.add(send(base, "GET", "/api/v1/experiments", user, null).body());
      answers.add(send(base, "GET", "/api/v1/experiments", mistyped, null).body());
      answers.add(send(base, "GET", "/api/v1/tokens", user, null).body());
      answers.add(send(base, "GET", "/api/v1/tokens", admin, null).body());
      answers.add(send(base, "POST", "/api/v1/experiments", user, "{\"name\": 1}").body());
      answers.add(login(base, mistyped).body());
      answers.add(login(base, user).body());
      answers.add(send(base, "DELETE", "/api/v1/tokens/" + userId, admin, null).body());
      answers.add(send(base, "GET", "/api/v1/experiments", user, null).body());
      answers.add(
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
                      .header("Authorization", "Basic " + user)
                      .build(),
                  BodyHandlers.ofString())
              .body());
    }

    for (String secret : secrets) {
      assertThat(output.getAll()).doesNotContain(secret);
      assertThat(answers).allSatisfy(answer -> assertThat(answer).doesNotContain(secret));
    }
    // The log did record what happened, so the check above looked at real log lines.
    assertThat(output.getAll()).contains("admin-token", "invalid token", "Token 2 revoked");
  }

  @Test
  void a_database_password_in_the_jdbc_url_stays_out_of_the_log(CapturedOutput output)
      throws Exception {
    String url = TestDatabase.postgresUrl();
    String schema = TestDatabase.randomName("secrets_");
    String password = "pw-" + UUID.randomUUID();
    // The test PostgreSQL trusts local connections, so any password works: it is only carried.
    try (ConfigurableApplicationContext server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            "--digitlab.worker.slots=0",
            "--spring.datasource.url="
                + url
                + "&password="
                + URLEncoder.encode(password, StandardCharsets.UTF_8)
                + "&currentSchema="
                + schema,
            "--spring.flyway.schemas=" + schema,
            "--logging.level.root=INFO",
            "--logging.level.org.flywaydb=DEBUG",
            "--logging.level.com.zaxxer.hikari=DEBUG")) {
      assertThat(server.isActive()).isTrue();
    } finally {
      try (Connection connection = DriverManager.getConnection(url);
          Statement statement = connection.createStatement()) {
        statement.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }

    assertThat(output.getAll()).contains("HikariPool").doesNotContain(password);
  }

  @Test
  void a_database_that_cannot_be_reached_is_reported_without_its_password(CapturedOutput output) {
    String password = "pw-" + UUID.randomUUID();

    Throwable failure =
        catchThrowable(
            () ->
                SpringApplication.run(
                        DigitLabServer.class,
                        "--server.port=0",
                        "--digitlab.home=" + home,
                        "--digitlab.worker.slots=0",
                        "--spring.datasource.url=jdbc:postgresql://127.0.0.1:1/digitlab?user=lab"
                            + "&password="
                            + password,
                        "--spring.datasource.hikari.initialization-fail-timeout=1",
                        "--logging.level.root=INFO")
                    .close());

    assertThat(failure).isNotNull();
    for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
      assertThat(String.valueOf(cause.getMessage())).doesNotContain(password);
    }
    assertThat(output.getAll()).doesNotContain(password);
  }

  private HttpResponse<String> login(String base, String token) throws Exception {
    String page =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/login")).build(),
                BodyHandlers.ofString())
            .body();
    Matcher csrf = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"").matcher(page);
    assertThat(csrf.find()).isTrue();
    return http.send(
        HttpRequest.newBuilder(URI.create(base + "/login"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(
                BodyPublishers.ofString(
                    "token="
                        + URLEncoder.encode(token, StandardCharsets.UTF_8)
                        + "&_csrf="
                        + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8)))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> send(
      String base, String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
            .header("Authorization", "Bearer " + token);
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }
}
