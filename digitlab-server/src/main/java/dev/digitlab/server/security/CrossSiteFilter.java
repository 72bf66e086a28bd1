package dev.digitlab.server.security;

import dev.digitlab.server.api.ProblemResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Set;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a state-changing request that a browser sent from another site (its {@code Origin} is not
 * this server, or {@code Sec-Fetch-Site: cross-site}), unless it carries an {@code Authorization}
 * header. Without it, any web page a user visits could post an experiment to the server on their
 * localhost, where authentication is off by default: a plain {@code text/plain} form post needs no
 * CORS preflight. Command-line clients send no {@code Origin}: unaffected. The {@code Origin} must
 * also name one of the {@link AllowedHosts}: {@code Host} alone is not trusted, since a page whose
 * name was rebound to this server sends its own name in both (issue 15).
 */
final class CrossSiteFilter extends OncePerRequestFilter {

  private final AllowedHosts hosts;

  CrossSiteFilter(AllowedHosts hosts) {
    this.hosts = hosts;
  }

  private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (!SAFE.contains(request.getMethod())
        && request.getHeader(HttpHeaders.AUTHORIZATION) == null
        && crossSite(request)) {
      ProblemResponses.write(
          request,
          response,
          HttpServletResponse.SC_FORBIDDEN,
          "Cross-site request refused",
          "A page from another site may not change data on this server. Use Digit Lab's own"
              + " pages, the digitlab command or an API client with a token.");
      return;
    }
    chain.doFilter(request, response);
  }

  private boolean crossSite(HttpServletRequest request) {
    if ("cross-site".equals(request.getHeader("Sec-Fetch-Site"))) {
      return true;
    }
    String origin = request.getHeader(HttpHeaders.ORIGIN);
    if (origin == null) {
      return false;
    }
    try {
      URI uri = URI.create(origin);
      if (uri.getHost() == null) {
        return true; // "null" (a sandboxed page, a file)
      }
      int port = uri.getPort() >= 0 ? uri.getPort() : "https".equals(uri.getScheme()) ? 443 : 80;
      // The server's name and port as the request addressed it (forwarded headers included,
      // where a proxy is configured), compared with the page's.
      return !(uri.getHost().equalsIgnoreCase(request.getServerName())
          && port == request.getServerPort()
          && hosts.allows(uri.getHost()));
    } catch (IllegalArgumentException e) {
      return true; // garbage: not this server
    }
  }
}
