package dev.digitlab.server.api;

import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.pipeline.InvalidPipelineException;
import dev.digitlab.server.queue.LeaseLostException;
import dev.digitlab.server.trials.IllegalTrialTransitionException;
import dev.digitlab.server.trials.TrialNotFoundException;
import dev.digitlab.server.trials.TrialStatusConflictException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * The one place where exceptions become RFC 9457 problem details. Spring MVC's own exceptions (bad
 * parameter types, unsupported media types, unreadable bodies, unknown paths) are answered by the
 * base class; anything unexpected becomes a 500 that says nothing about the server's insides.
 */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

  private static final Logger log = LoggerFactory.getLogger(ApiErrors.class);

  @ExceptionHandler
  ProblemDetail invalidExperiment(InvalidExperimentException e) {
    return badRequest(
        "Invalid experiment",
        "The experiment cannot run: " + e.errors().size() + " problem(s), listed in 'errors'.",
        e.errors());
  }

  @ExceptionHandler
  ProblemDetail invalidPipeline(InvalidPipelineException e) {
    return badRequest(
        "Invalid pipeline",
        "The pipeline cannot run: " + e.errors().size() + " problem(s), listed in 'errors'.",
        e.errors());
  }

  @ExceptionHandler
  ProblemDetail invalidParameter(InvalidParameterException e) {
    return badRequest("Invalid parameter", e.getMessage(), e.errors());
  }

  @ExceptionHandler({NotFoundException.class, TrialNotFoundException.class})
  ProblemDetail notFound(RuntimeException e) {
    log.warn("404: {}", e.getMessage());
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setTitle("Not found");
    return problem;
  }

  @ExceptionHandler({
    ConflictException.class,
    LeaseLostException.class,
    TrialStatusConflictException.class,
    IllegalTrialTransitionException.class
  })
  ProblemDetail conflict(RuntimeException e) {
    log.warn("409: {}", e.getMessage());
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    problem.setTitle("Conflict");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail unexpected(Exception e) {
    log.error("Request failed", e);
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.INTERNAL_SERVER_ERROR,
            "The server failed to answer this request; its log has the details.");
    problem.setTitle("Internal server error");
    return problem;
  }

  private static ProblemDetail badRequest(String title, String detail, List<FieldError> errors) {
    log.warn("400: {}", errors);
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
    problem.setTitle(title);
    problem.setProperty("errors", errors);
    return problem;
  }
}
