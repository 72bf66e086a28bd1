package dev.digitlab.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.AuthServerTest;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * Rule: a browser logs in with a token at {@code /login} and gets a session; everything it posts
 * with that session needs the page's CSRF token; logging out or revoking the token ends the
 * session. A page asked for without a session leads to the login page.
 */
class BrowserLoginTest extends AuthServerTest {

  private static final Pattern CSRF_FIELD = Pattern.compile("name=\"_csrf\" value=\"([^\"]+)\"");
  private static final String EXPERIMENT =
      "{\"name\": \"from-the-browser\", \"config\": {\"model\": \"mlp\", \"learningRate\": 0.01},"
          + " \"search\": {\"type\": \"grid\", \"parameters\": {\"batchSize\": [64]}}}";

  private final HttpClient browser =
      HttpClient.newBuilder()
          .cookieHandler(new CookieManager())
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  @Value("${local.server.port}")
  int port;

  @Autowired TokenStore tokens;

  @Test
  void a_page_without_a_session_leads_to_the_login_page() throws Exception {
    HttpResponse<String> response = get("/");

    assertThat(response.statusCode()).isEqualTo(302);
    assertThat(response.headers().firstValue("Location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/login"));
  }

  @Test
  void the_login_leads_back_to_the_page_that_was_asked_for() throws Exception {
    HttpResponse<String> asked = get("/experiments/7?tab=trials");
    assertThat(asked.headers().firstValue("Location"))
        .hasValueSatisfying(
            location ->
                assertThat(location).endsWith("/login?next=%2Fexperiments%2F7%3Ftab%3Dtrials"));
    String token = tokens.create("erin", Role.VIEWER).secret();

    HttpResponse<String> page = get("/login?next=%2Fexperiments%2F7%3Ftab%3Dtrials");
    assertThat(page.body())
        .contains("name=\"next\" value=\"/experiments/7?tab=trials\"")
        .contains(home.resolve("admin-token").toString());
    HttpResponse<String> login =
        form(
            "/login",
            "token="
                + enc(token)
                + "&_csrf="
                + enc(csrf(page.body()))
                + "&next="
                + enc("/experiments/7?tab=trials"));

    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location")).hasValue("/experiments/7?tab=trials");
  }

  /** The attack: a link to our login page that would send the user on to another site. */
  @Test
  void the_login_never_leads_to_another_site() throws Exception {
    String token = tokens.create("frank", Role.VIEWER).secret();
    for (String evil :
        List.of(
            "//evil.example/",
            "///evil.example/",
            "/\\evil.example/",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/\t/evil.example",
            "/ /evil.example",
            "")) {
      HttpResponse<String> login =
          form(
              "/login",
              "token="
                  + enc(token)
                  + "&_csrf="
                  + enc(csrf(get("/login").body()))
                  + "&next="
                  + enc(evil));

      assertThat(login.statusCode()).as(evil).isEqualTo(303);
      assertThat(login.headers().firstValue("Location")).as(evil).hasValue("/");
      assertThat(get("/login?next=" + enc(evil)).body()).as(evil).doesNotContain("name=\"next\"");
    }
  }

  @Test
  void a_logged_in_browser_reads_and_posts_with_its_csrf_token_until_it_logs_out()
      throws Exception {
    String token = tokens.create("alice", Role.USER).secret();

    HttpResponse<String> login = logIn(token);
    assertThat(login.statusCode()).isEqualTo(303);
    assertThat(login.headers().firstValue("Location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/"));

    assertThat(get("/api/v1/experiments").statusCode()).isEqualTo(200);
    assertThat(post("/api/v1/experiments", EXPERIMENT, null).statusCode()).isEqualTo(403);
    String csrf = csrf(get("/login").body());
    assertThat(post("/api/v1/experiments", EXPERIMENT, csrf).statusCode()).isEqualTo(201);

    HttpResponse<String> logout =
        send(
            HttpRequest.newBuilder(uri("/logout"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(
                    BodyPublishers.ofString(
                        "_csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8))));
    assertThat(logout.statusCode()).isEqualTo(302);
    assertThat(logout.headers().firstValue("Location"))
        .hasValueSatisfying(location -> assertThat(location).endsWith("/login?logout"));
    assertThat(get("/api/v1/experiments").statusCode()).isEqualTo(401);
  }

  @Test
  void logging_in_changes_the_session_id() throws Exception {
    String token = tokens.create("bob", Role.VIEWER).secret();
    get("/login");
    String before = sessionCookie();

    logIn(token);

    assertThat(sessionCookie()).isNotNull().isNotEqualTo(before);
  }

  @Test
  void a_wrong_token_is_refused_on_the_login_page() throws Exception {
    String csrf = csrf(get("/login").body());

    HttpResponse<String> response = form("/login", "token=dlt_wrong&_csrf=" + enc(csrf));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).contains("unknown or was revoked");
    assertThat(get("/api/v1/experiments").statusCode()).isEqualTo(401);
  }

  @Test
  void a_login_form_posted_without_its_csrf_token_logs_nobody_in() throws Exception {
    String token = tokens.create("carol", Role.USER).secret();
    get("/login");

    HttpResponse<String> response = form("/login", "token=" + enc(token));

    assertThat(response.statusCode()).isIn(401, 403);
    assertThat(get("/api/v1/experiments").statusCode()).isEqualTo(401);
  }

  @Test
  void revoking_the_token_ends_its_browser_sessions() throws Exception {
    NewToken token = tokens.create("dave", Role.VIEWER);
    logIn(token.secret());
    assertThat(get("/api/v1/experiments").statusCode()).isEqualTo(200);

    tokens.revoke(token.token().id());

    assertThat(get("/api/v1/experiments").statusCode()).isEqualTo(401);
  }

  private HttpResponse<String> logIn(String token) throws Exception {
    String csrf = csrf(get("/login").body());
    return form("/login", "token=" + enc(token) + "&_csrf=" + enc(csrf));
  }

  private static String csrf(String page) {
    Matcher matcher = CSRF_FIELD.matcher(page);
    assertThat(matcher.find()).as("the login page has a CSRF field").isTrue();
    return matcher.group(1);
  }

  private String sessionCookie() {
    return ((CookieManager) browser.cookieHandler().orElseThrow())
        .getCookieStore().getCookies().stream()
            .filter(cookie -> cookie.getName().equals("JSESSIONID"))
            .map(cookie -> cookie.getValue())
            .findFirst()
            .orElse(null);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return send(HttpRequest.newBuilder(uri(path)).header("Accept", "text/html,*/*").GET());
  }

  private HttpResponse<String> post(String path, String json, String csrf) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/json")
            .POST(BodyPublishers.ofString(json));
    if (csrf != null) {
      request.header("X-CSRF-TOKEN", csrf);
    }
    return send(request);
  }

  private HttpResponse<String> form(String path, String body) throws Exception {
    return send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(BodyPublishers.ofString(body)));
  }

  private HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return browser.send(request.build(), BodyHandlers.ofString());
  }

  private static String enc(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private URI uri(String path) {
    return URI.create("http://localhost:" + port + path);
  }
}
