package dev.digitlab.server.security;

import org.springframework.security.web.csrf.CookieCsrfTokenRepository;

/**
 * Where CSRF tokens live: in a cookie ({@code XSRF-TOKEN}, HttpOnly, {@code SameSite=Lax}), not in
 * a server session. Kept in the session, every visit to {@code /login} or any page made a session
 * before anyone logged in (issue 15: 73k requests made 73k sessions). Forms and htmx still send the
 * token the page rendered; the cookie is what it is checked against.
 */
final class CsrfCookies {

  private static final CookieCsrfTokenRepository REPOSITORY = repository();

  private CsrfCookies() {}

  static CookieCsrfTokenRepository get() {
    return REPOSITORY;
  }

  private static CookieCsrfTokenRepository repository() {
    CookieCsrfTokenRepository repository = new CookieCsrfTokenRepository();
    repository.setCookiePath("/");
    // The header the pages' htmx and API clients already send (the session repository's name).
    repository.setHeaderName("X-CSRF-TOKEN");
    repository.setCookieCustomizer(cookie -> cookie.sameSite("Lax").httpOnly(true));
    return repository;
  }
}
