package dev.digitlab.server.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every request an id, returned as the {@value #HEADER} header and in every problem detail,
 * and put in the logging context ({@code %X{correlationId}}) so that a user's error report finds
 * the server's log lines with the details. A well-formed id sent by a proxy in the same header is
 * kept, so one id can follow a request through both.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
public class CorrelationId extends OncePerRequestFilter {

  /** The response (and optional request) header. */
  public static final String HEADER = "X-Correlation-Id";

  /** The logging context key and the problem details' property. */
  public static final String KEY = "correlationId";

  private static final String ATTRIBUTE = CorrelationId.class.getName();

  // Anything else from a client could forge log lines or be huge: a new id is made instead.
  private static final Pattern WELL_FORMED = Pattern.compile("[A-Za-z0-9._-]{8,64}");

  /** The id of this request (made now if the filter has not run, e.g. in a unit test). */
  public static String of(HttpServletRequest request) {
    if (request.getAttribute(ATTRIBUTE) instanceof String id) {
      return id;
    }
    String id = UUID.randomUUID().toString();
    request.setAttribute(ATTRIBUTE, id);
    return id;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (!(request.getAttribute(ATTRIBUTE) instanceof String)) {
      String sent = request.getHeader(HEADER);
      request.setAttribute(
          ATTRIBUTE,
          sent != null && WELL_FORMED.matcher(sent).matches()
              ? sent
              : UUID.randomUUID().toString());
    }
    String id = of(request);
    if (!response.isCommitted()) {
      response.setHeader(HEADER, id);
    }
    String outer = MDC.get(KEY);
    MDC.put(KEY, id);
    try {
      chain.doFilter(request, response);
    } finally {
      if (outer == null) {
        MDC.remove(KEY);
      } else {
        MDC.put(KEY, outer);
      }
    }
  }

  // Error pages and async (SSE) dispatches log too: they keep the request's id.
  @Override
  protected boolean shouldNotFilterErrorDispatch() {
    return false;
  }

  @Override
  protected boolean shouldNotFilterAsyncDispatch() {
    return false;
  }
}
