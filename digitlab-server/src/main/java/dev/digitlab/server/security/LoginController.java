package dev.digitlab.server.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.context.HttpSessionSecurityContextRepository;
import org.springframework.security.web.context.SecurityContextRepository;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.security.web.csrf.CsrfTokenRepository;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.util.HtmlUtils;

/**
 * {@code /login}: a browser logs in with an API token (an admin gives each person a {@code user} or
 * {@code viewer} token), and gets a session cookie; {@code POST /logout} (Spring Security) ends it.
 * Tokens rather than passwords: there is one kind of credential to create, list and revoke, and a
 * 256-bit token cannot be guessed, so the form needs no lock-out.
 */
@Controller
class LoginController {

  private static final Logger log = LoggerFactory.getLogger(LoginController.class);

  private final TokenStore tokens;
  private final AuthSettings settings;
  private final SecurityContextRepository sessions = new HttpSessionSecurityContextRepository();
  private final CsrfTokenRepository csrfTokens = CsrfCookies.get();
  private final SecurityContextHolderStrategy contexts =
      SecurityContextHolder.getContextHolderStrategy();

  private final Path home;
  private final SessionsPerToken sessionsPerToken;

  LoginController(
      TokenStore tokens,
      AuthSettings settings,
      SessionsPerToken sessionsPerToken,
      @Value("${digitlab.home}") Path home) {
    this.tokens = tokens;
    this.settings = settings;
    this.sessionsPerToken = sessionsPerToken;
    this.home = home;
  }

  @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> page(
      HttpServletRequest request,
      @RequestParam(required = false) String logout,
      @RequestParam(name = LoginTarget.PARAMETER, required = false) String next) {
    String message =
        logout != null
            ? "You are logged out."
            : settings.enabled() ? "" : "Authentication is off on this server: no login needed.";
    return page(request, HttpStatus.OK, message, false, next);
  }

  @PostMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> login(
      HttpServletRequest request,
      HttpServletResponse response,
      @RequestParam(required = false) String token,
      @RequestParam(name = LoginTarget.PARAMETER, required = false) String next) {
    Optional<Caller> caller = tokens.authenticate(token == null ? null : token.strip());
    if (caller.isEmpty()) {
      log.warn("Login refused: unknown or revoked token, from {}", request.getRemoteAddr());
      return page(
          request, HttpStatus.UNAUTHORIZED, "That token is unknown or was revoked.", true, next);
    }
    // A new session id, and a new CSRF token, at login: whatever id or token someone may have
    // planted before is worth nothing afterwards.
    request.getSession(true);
    request.changeSessionId();
    csrfTokens.saveToken(null, request, response);
    SecurityContext context = contexts.createEmptyContext();
    context.setAuthentication(CallerFilter.authentication(caller.get()));
    contexts.setContext(context);
    sessions.saveContext(context, request, response);
    sessionsPerToken.loggedIn(caller.get().tokenId(), request.getSession());
    log.info("{} logged in", caller.get());
    return ResponseEntity.status(HttpStatus.SEE_OTHER)
        .header("Location", request.getContextPath() + LoginTarget.safe(next))
        .build();
  }

  private ResponseEntity<String> page(
      HttpServletRequest request, HttpStatus status, String message, boolean error, String next) {
    String csrf = "";
    if (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken token) {
      csrf =
          "<input type=\"hidden\" name=\""
              + HtmlUtils.htmlEscape(token.getParameterName())
              + "\" value=\""
              + HtmlUtils.htmlEscape(token.getToken())
              + "\">";
    }
    String target = LoginTarget.safe(next);
    String nextField =
        "/".equals(target)
            ? ""
            : "<input type=\"hidden\" name=\"next\" value=\""
                + HtmlUtils.htmlEscape(target)
                + "\">";
    String messageBox =
        message.isEmpty()
            ? ""
            : "<p class=\"message"
                + (error ? " error\" role=\"alert" : "\" role=\"status")
                + "\" id=\"login-message\">"
                + HtmlUtils.htmlEscape(message)
                + "</p>";
    String adminToken = HtmlUtils.htmlEscape(home.resolve(BootstrapAdmin.FILE_NAME).toString());
    String html =
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Log in · Digit Lab</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <link rel="icon" href="favicon.svg" type="image/svg+xml">
        <link rel="stylesheet" href="css/digitlab.css"></head>
        <body>
        <header class="top"><span class="brand">Digit Lab</span></header>
        <main id="main" class="narrow login">
        <h1>Log in</h1>
        %s
        <form method="post" action="login" class="stacked card">
          <label for="token">API token</label>
          <input type="password" id="token" name="token" autocomplete="current-password" required size="40">
          %s%s
          <button type="submit" id="login-submit">Log in</button>
        </form>
        <h2>No token?</h2>
        <p>An admin makes one for you:</p>
        <pre><code>./digitlab token create <span class="option">--role user</span> <span class="option">--name you</span></code></pre>
        <p class="muted">First start with authentication on: the server wrote the first admin token
        to <code class="path">%s</code> (readable only by the account that runs it).</p>
        </main>
        </body></html>
        """
            .formatted(messageBox, csrf, nextField, adminToken);
    return ResponseEntity.status(status)
        .contentType(MediaType.TEXT_HTML)
        .header("Cache-Control", "no-store")
        .body(html);
  }
}
