package dev.digitlab.server.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses a request whose {@code Content-Type} is no concrete media type ({@code *}{@code /*},
 * {@code garbage}) with a 415, before anything reads it: Spring MVC's readers assume a content type
 * they can parse and use, and fail with a server error on one they cannot.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 2)
class ContentTypeCheck extends OncePerRequestFilter {

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String contentType = request.getContentType();
    if (contentType != null && !contentType.isBlank() && !concrete(contentType)) {
      ProblemResponses.write(
          request,
          response,
          HttpServletResponse.SC_UNSUPPORTED_MEDIA_TYPE,
          "Unsupported media type",
          "Content-Type must be one concrete media type, such as application/json or"
              + " application/yaml; got '"
              + (contentType.length() > 100 ? contentType.substring(0, 100) + "…" : contentType)
              + "'.");
      return;
    }
    chain.doFilter(request, response);
  }

  private static boolean concrete(String contentType) {
    try {
      MediaType type = MediaType.parseMediaType(contentType);
      return type.isConcrete();
    } catch (InvalidMediaTypeException e) {
      return false;
    }
  }
}
