package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.DigitLabServer;
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
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Finding 5 (and the session parts of 11) of issue 15: every {@code GET /login} made a server
 * session (73k requests, 73k sessions), pages made one for bearer-token requests, and the session
 * cookie had no {@code SameSite}. Rule: no session before a login; the session cookie is HttpOnly
 * and {@code SameSite=Lax}; a token holds at most {@code max-sessions-per-token} sessions.
 */
class SessionsTest {

  private static final Pattern CSRF = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");

  @TempDir Path home;

  private final HttpClient http =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @Test
  void no_session_before_login_samesite_cookies_and_a_cap_per_token() throws Exception {
    try (ConfigurableApplicationContext server =
        SpringApplication.run(
            DigitLabServer.class,
            "--server.port=0",
            "--digitlab.home=" + home,
            "--digitlab.worker.slots=0",
            "--digitlab.auth.enabled=true",
            "--digitlab.auth.max-sessions-per-token=2")) {
      String base = "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
      String admin = Files.readString(home.resolve("admin-token")).strip();

      for (int i = 0; i < 20; i++) {
        HttpResponse<String> login = get(base + "/login", null);
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(cookies(login)).noneMatch(cookie -> cookie.startsWith("JSESSIONID"));
      }
      HttpResponse<String> page = get(base + "/", "Authorization", "Bearer " + admin);
      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(cookies(page)).noneMatch(cookie -> cookie.startsWith("JSESSIONID"));

      // A page without a session leads to /login (with the page to return to) without echoing the
      // Host it was asked with.
      HttpResponse<String> redirect = get(base + "/experiments", "Accept", "text/html");
      assertThat(redirect.statusCode()).isEqualTo(302);
      assertThat(redirect.headers().firstValue("Location")).hasValue("/login?next=%2Fexperiments");

      String first = login(base, admin);
      assertThat(first).contains("HttpOnly").containsIgnoringCase("SameSite=Lax");
      assertThat(loggedIn(base, first)).isTrue();
      String second = login(base, admin);
      assertThat(loggedIn(base, first)).isTrue();
      login(base, admin);
      assertThat(loggedIn(base, first)).as("the oldest of three sessions, cap 2").isFalse();
      assertThat(loggedIn(base, second)).isTrue();
    }
  }

  /** Logs in through the form; the session cookie's Set-Cookie line. */
  private String login(String base, String token) throws Exception {
    HttpResponse<String> form = get(base + "/login", null);
    Matcher csrf = CSRF.matcher(form.body());
    assertThat(csrf.find()).as(form.body()).isTrue();
    String xsrf =
        cookies(form).stream()
            .filter(cookie -> cookie.startsWith("XSRF-TOKEN="))
            .findFirst()
            .orElseThrow();
    assertThat(xsrf).containsIgnoringCase("SameSite=Lax");
    HttpResponse<String> posted =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", xsrf.substring(0, xsrf.indexOf(';')))
                .POST(
                    BodyPublishers.ofString(
                        "token="
                            + URLEncoder.encode(token, StandardCharsets.UTF_8)
                            + "&_csrf="
                            + URLEncoder.encode(csrf.group(1), StandardCharsets.UTF_8)))
                .build(),
            BodyHandlers.ofString());
    assertThat(posted.statusCode()).as(posted.body()).isEqualTo(303);
    return cookies(posted).stream()
        .filter(cookie -> cookie.startsWith("JSESSIONID="))
        .findFirst()
        .orElseThrow();
  }

  private boolean loggedIn(String base, String sessionCookie) throws Exception {
    return get(
                base + "/api/v1/experiments",
                "Cookie",
                sessionCookie.substring(0, sessionCookie.indexOf(';')))
            .statusCode()
        == 200;
  }

  private HttpResponse<String> get(String url, String header, String... value) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
    if (header != null) {
      request.header(header, value[0]);
    }
    return http.send(request.build(), BodyHandlers.ofString());
  }

  private static List<String> cookies(HttpResponse<?> response) {
    return response.headers().allValues("Set-Cookie");
  }
}
