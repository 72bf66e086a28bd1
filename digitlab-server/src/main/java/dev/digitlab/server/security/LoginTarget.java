package dev.digitlab.server.security;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Where a login leads: back to the page that was asked for, carried as {@code /login?next=…}. Only
 * a path on this server is followed ({@code /experiments/3?page=2}); anything that a browser could
 * read as another site ({@code //evil.example}, {@code /\evil.example}, {@code https://…}, a
 * control character) leads to the start page instead, so the login page is no open redirect.
 */
final class LoginTarget {

  static final String PARAMETER = "next";
  private static final int MAX_LENGTH = 2000;

  private LoginTarget() {}

  /** The path (and query) of a page request, to come back to after logging in. */
  static String of(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    return request.getQueryString() == null ? path : path + "?" + request.getQueryString();
  }

  /** {@code /login}, or {@code /login?next=…} when there is a page worth coming back to. */
  static String loginPath(String next) {
    String safe = safe(next);
    return "/".equals(safe)
        ? "/login"
        : "/login?" + PARAMETER + "=" + URLEncoder.encode(safe, StandardCharsets.UTF_8);
  }

  /** {@code next} if it is a path on this server, else {@code /}. */
  static String safe(String next) {
    if (next == null
        || next.length() > MAX_LENGTH
        || !next.startsWith("/")
        || next.startsWith("//")
        || next.indexOf('\\') >= 0
        || next.chars().anyMatch(c -> c < 0x21 || c == 0x7f)
        || next.startsWith("/login")
        || next.startsWith("/logout")) {
      return "/";
    }
    try {
      URI uri = new URI(next);
      if (uri.getScheme() != null || uri.getRawAuthority() != null) {
        return "/";
      }
    } catch (URISyntaxException e) {
      return "/";
    }
    return next;
  }
}
