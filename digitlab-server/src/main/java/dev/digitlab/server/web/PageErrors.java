package dev.digitlab.server.web;

import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.server.api.ConflictException;
import dev.digitlab.server.api.ErrorText;
import dev.digitlab.server.api.ForbiddenException;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.api.NotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.MissingServletRequestParameterException;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.servlet.ModelAndView;

/**
 * Errors of the web pages as pages that say what happened and what to do next. Ordered before the
 * API's problem-details advice, which would otherwise answer browsers with JSON.
 */
@ControllerAdvice(annotations = WebPage.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
class PageErrors {

  private static final Logger log = LoggerFactory.getLogger(PageErrors.class);

  @ExceptionHandler(NotFoundException.class)
  ModelAndView notFound(RuntimeException e) {
    log.warn("404 page: {}", e.getMessage());
    return page(
        HttpStatus.NOT_FOUND,
        e.getMessage(),
        "It may have been deleted. Find it in the list of experiments, or start a new one.");
  }

  @ExceptionHandler(ForbiddenException.class)
  ModelAndView forbidden(ForbiddenException e) {
    return page(
        HttpStatus.FORBIDDEN, e.getMessage(), "Ask the owner or an admin to make the change.");
  }

  /**
   * The advice names the parameter and where it came from: every page's query (a sort, a filter, an
   * id list) and every form answer here, not only the experiment list's filter, which the old
   * advice ("the list of experiments shows valid ones") fitted alone.
   */
  @ExceptionHandler(InvalidParameterException.class)
  ModelAndView badRequest(InvalidParameterException e, HttpServletRequest request) {
    String parameter = e.errors().getFirst().path();
    return page(
        HttpStatus.BAD_REQUEST,
        e.getMessage(),
        "GET".equals(request.getMethod())
            ? "Change " + parameter + " in the address and load the page again."
            : "Go back, correct " + parameter + " in the form and send it again.");
  }

  /**
   * A path or query value of the wrong type ({@code /experiments/abc}): a 400 page in the API's
   * words, not a 500 (Spring MVC throws it before any handler runs).
   */
  @ExceptionHandler(TypeMismatchException.class)
  ModelAndView wrongType(TypeMismatchException e) {
    FieldError error = ErrorText.typeMismatch(e);
    if (error == null) {
      return unexpected(e);
    }
    String message = error.path() + ": " + error.message();
    log.warn("400 page: {}", message);
    return page(
        HttpStatus.BAD_REQUEST,
        message,
        "Change " + error.path() + " in the address and load the page again.");
  }

  /**
   * A query parameter the page needs is missing: Spring MVC's 400 and its words as a page, not a
   * 500.
   */
  @ExceptionHandler(MissingServletRequestParameterException.class)
  ModelAndView missingParameter(MissingServletRequestParameterException e) {
    String detail = e.getBody().getDetail();
    log.warn("400 page: {}", detail);
    return page(
        HttpStatus.BAD_REQUEST,
        detail,
        "Add " + e.getParameterName() + " to the address and load the page again.");
  }

  @ExceptionHandler(ConflictException.class)
  ModelAndView conflict(ConflictException e) {
    return page(HttpStatus.CONFLICT, e.getMessage(), "Reload the page to see the current state.");
  }

  /**
   * A refusal that carries its own problem (e.g. the run-commands permission's 403): its status and
   * detail as a page, not a 500.
   */
  @ExceptionHandler(ErrorResponseException.class)
  ModelAndView refused(ErrorResponseException e) {
    HttpStatus status = HttpStatus.resolve(e.getStatusCode().value());
    if (status == null || status.is5xxServerError()) {
      return unexpected(e);
    }
    log.warn("{} page: {}", status.value(), e.getBody().getDetail());
    return page(
        status,
        e.getBody().getDetail(),
        status == HttpStatus.FORBIDDEN
            ? "Sign in with a token that has the permission, or ask an admin for one."
            : "Go back, fix what it says and try again.");
  }

  @ExceptionHandler(Exception.class)
  ModelAndView unexpected(Exception e) {
    log.error("Page failed", e);
    return page(
        HttpStatus.INTERNAL_SERVER_ERROR,
        "The server failed to show this page.",
        "Try again in a moment; if it keeps failing, the server's log has the details.");
  }

  static ModelAndView page(HttpStatus status, String message, String next) {
    ModelAndView view = new ModelAndView("error");
    view.setStatus(status);
    view.addObject("status", status.value());
    view.addObject("error", status.getReasonPhrase());
    view.addObject("message", message);
    view.addObject("next", next);
    return view;
  }
}
