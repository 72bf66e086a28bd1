package dev.digitlab.server.security;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

  private final SessionsPerToken sessionsPerToken;

  LoginController(TokenStore tokens, AuthSettings settings, SessionsPerToken sessionsPerToken) {
    this.tokens = tokens;
    this.settings = settings;
    this.sessionsPerToken = sessionsPerToken;
  }

  @GetMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> page(
      HttpServletRequest request, @RequestParam(required = false) String logout) {
    String message =
        logout != null
            ? "You are logged out."
            : settings.enabled() ? "" : "Authentication is off on this server: no login needed.";
    return page(request, HttpStatus.OK, message);
  }

  @PostMapping(path = "/login", produces = MediaType.TEXT_HTML_VALUE)
  ResponseEntity<String> login(
      HttpServletRequest request,
      HttpServletResponse response,
      @RequestParam(required = false) String token) {
    Optional<Caller> caller = tokens.authenticate(token == null ? null : token.strip());
    if (caller.isEmpty()) {
      log.warn("Login refused: unknown or revoked token, from {}", request.getRemoteAddr());
      return page(request, HttpStatus.UNAUTHORIZED, "That token is unknown or was revoked.");
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
        .header("Location", request.getContextPath() + "/")
        .build();
  }

  private static ResponseEntity<String> page(
      HttpServletRequest request, HttpStatus status, String message) {
    String csrf = "";
    if (request.getAttribute(CsrfToken.class.getName()) instanceof CsrfToken token) {
      csrf =
          "<input type=\"hidden\" name=\""
              + HtmlUtils.htmlEscape(token.getParameterName())
              + "\" value=\""
              + HtmlUtils.htmlEscape(token.getToken())
              + "\">";
    }
    String html =
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Log in · Digit Lab</title>
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <style>
          body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 4rem auto; }
          input[type=password] { width: 100%%; padding: .4rem; box-sizing: border-box; }
          p.message { color: #8a1c1c; }
        </style></head>
        <body>
        <h1>Digit Lab</h1>
        <p class="message" role="status">%s</p>
        <form method="post" action="login">
          <label for="token">API token</label>
          <input type="password" id="token" name="token" autocomplete="current-password" required>
          %s
          <p><button type="submit">Log in</button></p>
        </form>
        <p>No token? An admin makes one: <code>digitlab token create --role user --name you</code></p>
        </body></html>
        """
            .formatted(HtmlUtils.htmlEscape(message), csrf);
    return ResponseEntity.status(status)
        .contentType(MediaType.TEXT_HTML)
        .header("Cache-Control", "no-store")
        .body(html);
  }
}
