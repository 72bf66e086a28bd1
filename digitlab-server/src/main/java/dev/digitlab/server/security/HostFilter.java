package dev.digitlab.server.security;

import dev.digitlab.server.api.ProblemResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before anything else runs (it is the first servlet filter after {@link SecurityHeaders},
 * which only adds headers, for every path: the API, the pages, MLflow's API, actuator), a request
 * whose {@code Host} is not one of {@link AllowedHosts}: how a page on another site reaches a
 * loopback server after rebinding its name (issue 15).
 */
final class HostFilter extends OncePerRequestFilter {

  private static final Logger log = LoggerFactory.getLogger(HostFilter.class);

  private final AllowedHosts hosts;

  HostFilter(AllowedHosts hosts) {
    this.hosts = hosts;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String host = request.getHeader(HttpHeaders.HOST);
    if (hosts.allows(host)) {
      chain.doFilter(request, response);
      return;
    }
    String shown = host.length() > 100 ? host.substring(0, 100) + "…" : host;
    log.warn("403: a request from {} named host '{}'", request.getRemoteAddr(), shown);
    ProblemResponses.write(
        request,
        response,
        HttpServletResponse.SC_FORBIDDEN,
        "Host not allowed",
        "This server does not answer to the host name '"
            + shown.replaceAll("[^\\x20-\\x7e]", "?")
            + "' (a guard against DNS rebinding). It answers to localhost, its loopback and bound"
            + " addresses and the names its operator lists: add one with 'digitlab server"
            + " --allowed-hosts NAME,...' (env DIGITLAB_ALLOWED_HOSTS, property"
            + " digitlab.allowed-hosts; '*' turns the check off).");
  }
}
