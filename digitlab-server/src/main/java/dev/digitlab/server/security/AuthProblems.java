package dev.digitlab.server.security;

import dev.digitlab.server.api.ProblemResponses;
import dev.digitlab.server.api.ProtocolErrors;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.csrf.CsrfException;

/**
 * The answers to a request that is not let in: an API client gets a 401 or 403 problem detail
 * saying what to send (under MLflow's paths, MLflow's {@code UNAUTHENTICATED} or {@code
 * PERMISSION_DENIED}: {@link ProblemResponses} picks the shape); a browser asking for a page
 * without a session is sent to {@code /login}.
 */
final class AuthProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

  private static final Logger log = LoggerFactory.getLogger(AuthProblems.class);

  private final boolean authEnabled;

  AuthProblems(boolean authEnabled) {
    this.authEnabled = authEnabled;
  }

  @Override
  public void commence(
      HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    if (wantsPage(request)) {
      // Back to this page after logging in (LoginTarget follows only paths on this server).
      response.sendRedirect(
          request.getContextPath() + LoginTarget.loginPath(LoginTarget.of(request)));
      return;
    }
    response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
    ProblemResponses.write(
        request,
        response,
        HttpServletResponse.SC_UNAUTHORIZED,
        "Authentication required",
        ProtocolErrors.isMlflow(path(request))
            ? "This server needs a Digit Lab token: set MLFLOW_TRACKING_TOKEN=<token> (sent as"
                + " 'Authorization: Bearer'), or MLFLOW_TRACKING_USERNAME=<anything> and"
                + " MLFLOW_TRACKING_PASSWORD=<token>. An admin creates tokens with 'digitlab token"
                + " create'."
            : "This server needs a token: send 'Authorization: Bearer <token>' (digitlab commands:"
                + " --token or DIGITLAB_TOKEN), or log in at /login in a browser. An admin creates"
                + " tokens with 'digitlab token create'.");
  }

  @Override
  public void handle(
      HttpServletRequest request,
      HttpServletResponse response,
      org.springframework.security.access.AccessDeniedException e)
      throws IOException {
    Caller caller = Caller.of(request).orElse(null);
    if (caller == null && !authEnabled && e instanceof CsrfException) {
      // Without authentication there is no token to ask for: the form lacked its CSRF token.
      log.warn(
          "403: {} {} without a valid CSRF token", request.getMethod(), request.getRequestURI());
      ProblemResponses.write(
          request,
          response,
          HttpServletResponse.SC_FORBIDDEN,
          "Missing or invalid CSRF token",
          "A form or script must send the page's CSRF token (reload the page and try again);"
              + " API clients need none.");
      return;
    }
    if (caller == null) {
      // No token and no session (a CSRF failure comes before authorisation): not logged in.
      commence(request, response, null);
      return;
    }
    if (e instanceof CsrfException) {
      log.warn(
          "403: {} sent {} {} without a valid CSRF token",
          caller,
          request.getMethod(),
          request.getRequestURI());
      ProblemResponses.write(
          request,
          response,
          HttpServletResponse.SC_FORBIDDEN,
          "Missing or invalid CSRF token",
          "A form or script in a logged-in browser must send the page's CSRF token (reload the"
              + " page and try again); API clients send 'Authorization: Bearer <token>' instead.");
      return;
    }
    log.warn("403: {} may not {} {}", caller, request.getMethod(), request.getRequestURI());
    ProblemResponses.write(
        request,
        response,
        HttpServletResponse.SC_FORBIDDEN,
        "Forbidden",
        "A token with role '"
            + caller.role().dbValue()
            + "' may not "
            + request.getMethod()
            + " "
            + request.getRequestURI()
            + ": viewers only read, workers only use /api/v1/worker, users manage their own"
            + " experiments and trials, admins everything (tokens too).");
  }

  private static String path(HttpServletRequest request) {
    return request.getRequestURI().substring(request.getContextPath().length());
  }

  /** A browser navigating to a page (not the API, the OpenAPI document or actuator). */
  private static boolean wantsPage(HttpServletRequest request) {
    String path = path(request);
    String accept = request.getHeader(HttpHeaders.ACCEPT);
    return "GET".equals(request.getMethod())
        && accept != null
        && accept.contains(MediaType.TEXT_HTML_VALUE)
        && !path.startsWith("/api/")
        && !path.startsWith("/v3/")
        && !path.startsWith("/actuator");
  }
}
