package dev.digitlab.server.api;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Refuses a request to our own API ({@code /api/v1/…}) that carries a query parameter its handler
 * does not read, before the handler runs (so nothing is stored): {@code ?limit=5} where the list
 * takes {@code size} answered 50 items, and a misspelt filter ({@code ?stauts=failed}) answered
 * everything. The accepted names come from the handler method itself ({@link AcceptedParameters}).
 *
 * <p>Only the query string counts: a form body's fields are the handler's business. Other paths
 * keep ignoring what they do not read: MLflow's API (its clients send extra fields, and MLflow's
 * own server ignores them), the standard serving protocols, pages and htmx fragments, static files,
 * actuator and the OpenAPI document.
 */
@Configuration
class QueryParameterCheck implements WebMvcConfigurer, HandlerInterceptor {

  static final String API = "/api/v1/";

  /**
   * Read by filters before any handler: Spring Security takes the CSRF token from this parameter
   * when the header is missing (a browser session's POST).
   */
  private static final Set<String> READ_BY_FILTERS = Set.of("_csrf");

  private final ObjectProvider<RequestMappingHandlerAdapter> adapter;
  private final Map<Method, AcceptedParameters> accepted = new ConcurrentHashMap<>();

  // A provider: the adapter is built from every WebMvcConfigurer, this one included.
  QueryParameterCheck(ObjectProvider<RequestMappingHandlerAdapter> adapter) {
    this.adapter = adapter;
  }

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this).addPathPatterns(API + "**");
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    String query = request.getQueryString();
    if (query == null
        || query.isEmpty()
        || request.getDispatcherType() != DispatcherType.REQUEST
        || !(handler instanceof HandlerMethod method)) {
      return true;
    }
    AcceptedParameters parameters =
        accepted.computeIfAbsent(
            method.getMethod(),
            m -> AcceptedParameters.of(method, adapter.getObject().getArgumentResolvers()));
    if (parameters.anyName()) {
      return true;
    }
    List<String> unknown = new ArrayList<>();
    for (String name : names(query)) {
      if (!parameters.accepts(name) && !READ_BY_FILTERS.contains(name)) {
        unknown.add(name);
      }
    }
    if (!unknown.isEmpty()) {
      throw new UnknownQueryParameterException(unknown, parameters.names());
    }
    return true;
  }

  /**
   * The query's parameter names, decoded as Tomcat decodes them. A name that cannot be decoded, or
   * an empty one ({@code ?=x}), is left to Tomcat, which refuses the query when the handler reads
   * it ({@link ApiErrors#malformedParameters}).
   */
  private static Set<String> names(String query) {
    Set<String> names = new LinkedHashSet<>();
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String raw = equals < 0 ? pair : pair.substring(0, equals);
      if (raw.isEmpty()) {
        continue;
      }
      try {
        names.add(URLDecoder.decode(raw, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException malformed) {
        // left to Tomcat, as above
      }
    }
    return names;
  }
}
