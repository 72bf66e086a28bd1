package dev.digitlab.server.web;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/**
 * An unknown address: a browser asking for a page gets a page that says where to go; the API and
 * any other client keep getting problem details, as from the API's own advice.
 */
@ControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE)
class MissingPages {

  @ExceptionHandler(NoResourceFoundException.class)
  Object missing(NoResourceFoundException e, HttpServletRequest request) {
    String accept = request.getHeader("Accept");
    boolean browser =
        !request.getRequestURI().startsWith("/api/")
            && accept != null
            && accept.contains(MediaType.TEXT_HTML_VALUE);
    if (browser) {
      ModelAndView page =
          PageErrors.page(
              HttpStatus.NOT_FOUND,
              "There is no page at " + request.getRequestURI() + ".",
              "Check the address, or go back to the list of experiments.");
      return page;
    }
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setTitle("Not Found");
    problem.setInstance(URI.create(request.getRequestURI()));
    return ResponseEntity.status(HttpStatus.NOT_FOUND)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .body(problem);
  }
}
