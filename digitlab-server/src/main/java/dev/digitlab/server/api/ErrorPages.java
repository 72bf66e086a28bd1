package dev.digitlab.server.api;

import io.swagger.v3.oas.annotations.Hidden;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /error}: what the servlet container answers for errors no controller handled (a request
 * refused before Spring MVC, e.g. by Spring Security's firewall, or an exception in a filter).
 * Problem details like everywhere else, never Spring Boot's default error map (which names
 * exception classes).
 */
@RestController
@Hidden // the container's error page, not an operation of the API
class ErrorPages implements ErrorController {

  private static final Logger log = LoggerFactory.getLogger(ErrorPages.class);

  @RequestMapping("${server.error.path:${error.path:/error}}")
  ResponseEntity<?> error(HttpServletRequest request) {
    HttpStatus status = status(request);
    String id = CorrelationId.of(request);
    String path =
        request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI) instanceof String uri
            ? uri
            : request.getRequestURI();
    ProblemDetail problem;
    Object thrown = request.getAttribute(RequestDispatcher.ERROR_EXCEPTION);
    if (thrown instanceof org.apache.tomcat.util.http.InvalidParameterException) {
      // Parameters first read in a filter (Spring Security's CSRF check reads a form's _csrf).
      problem = ApiErrors.malformedParameters();
      status = HttpStatus.BAD_REQUEST;
    } else if (thrown instanceof BodyTooLargeException tooLarge) {
      problem = ApiErrors.bodyTooLargeProblem(tooLarge);
      status = HttpStatus.CONTENT_TOO_LARGE;
    } else if (status.is5xxServerError()) {
      log.error(
          "{} failed [correlationId={}]",
          path,
          id,
          thrown instanceof Throwable throwable ? throwable : null);
      problem = ApiErrors.serverError(id);
    } else {
      problem =
          ProblemDetail.forStatusAndDetail(
              status,
              status == HttpStatus.NOT_FOUND
                  ? "Nothing here: " + path + " is not a page or API endpoint of this server."
                  : "The request was refused: " + status.getReasonPhrase() + ".");
      problem.setTitle(status.getReasonPhrase());
    }
    problem.setProperty(CorrelationId.KEY, id);
    // Logged by ProblemCorrelation on its way out, like every problem detail.
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_PROBLEM_JSON)
        .header(CorrelationId.HEADER, id)
        .body(problem);
  }

  private static HttpStatus status(HttpServletRequest request) {
    if (request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code) {
      HttpStatus status = HttpStatus.resolve(code);
      return status != null && status.isError() ? status : HttpStatus.INTERNAL_SERVER_ERROR;
    }
    // Asked for directly (GET /error), not forwarded by the container: there is no error page.
    return HttpStatus.NOT_FOUND;
  }
}
