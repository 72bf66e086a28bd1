package dev.digitlab.server.security;

import dev.digitlab.server.api.ProblemResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpSession;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Finds out who sent a request: the bearer token it carries, or the token its browser session
 * logged in with (re-checked at every request, so revoking a token ends its sessions too). Puts the
 * {@link Caller} in the security context and in the request's {@link Caller#ATTRIBUTE}. Not a bean:
 * a filter bean would also be registered outside Spring Security's chain.
 */
final class CallerFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(CallerFilter.class);
  private static final String BEARER = "Bearer ";
  private static final String BASIC = "Basic ";

  private final TokenStore tokens;
  private final boolean authEnabled;
  private final SecurityContextHolderStrategy contexts =
      SecurityContextHolder.getContextHolderStrategy();

  CallerFilter(TokenStore tokens, boolean authEnabled) {
    this.tokens = tokens;
    this.authEnabled = authEnabled;
  }

  /** The authentication Spring Security keeps for a caller: its role is its one authority. */
  static Authentication authentication(Caller caller) {
    return UsernamePasswordAuthenticationToken.authenticated(
        caller, null, List.of(new SimpleGrantedAuthority(caller.role().authority())));
  }

  /**
   * The password of HTTP basic credentials, which MLflow clients send from {@code
   * MLFLOW_TRACKING_USERNAME}/{@code PASSWORD}: the password is the token, the user name is not
   * looked at (the token has its own name).
   */
  static Optional<String> basicPassword(String header) {
    if (!header.regionMatches(true, 0, BASIC, 0, BASIC.length())) {
      return Optional.empty();
    }
    try {
      String credentials =
          new String(
              Base64.getDecoder().decode(header.substring(BASIC.length()).strip()),
              StandardCharsets.UTF_8);
      int colon = credentials.indexOf(':');
      return colon < 0 ? Optional.empty() : Optional.of(credentials.substring(colon + 1));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    if (header != null) {
      Optional<Caller> caller =
          header.regionMatches(true, 0, BEARER, 0, BEARER.length())
              ? tokens.authenticate(header.substring(BEARER.length()).strip())
              : basicPassword(header).flatMap(tokens::authenticate);
      if (caller.isPresent()) {
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(authentication(caller.get()));
        contexts.setContext(context);
        request.setAttribute(Caller.ATTRIBUTE, caller.get());
      } else if (authEnabled) {
        // The token itself is never logged: only that one was refused, and from where.
        log.warn("401: a request from {} carried an invalid token", request.getRemoteAddr());
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        ProblemResponses.write(
            request,
            response,
            HttpServletResponse.SC_UNAUTHORIZED,
            "Invalid token",
            "The token in the Authorization header is unknown or revoked (send 'Authorization:"
                + " Bearer <token>'; an admin creates tokens with 'digitlab token create').");
        return;
      }
    } else {
      Authentication session = contexts.getContext().getAuthentication();
      if (session != null && session.getPrincipal() instanceof Caller caller) {
        if (tokens.active(caller.tokenId())) {
          request.setAttribute(Caller.ATTRIBUTE, caller);
        } else {
          contexts.clearContext();
          HttpSession httpSession = request.getSession(false);
          if (httpSession != null) {
            httpSession.invalidate();
          }
        }
      }
    }
    chain.doFilter(request, response);
  }
}
