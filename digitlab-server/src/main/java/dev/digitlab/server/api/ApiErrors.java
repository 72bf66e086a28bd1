package dev.digitlab.server.api;

import dev.digitlab.ml.infer.EmptyImageException;
import dev.digitlab.ml.infer.ImageRejectedException;
import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.InvalidExperimentException;
import dev.digitlab.protocol.pipeline.InvalidPipelineException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.multipart.MultipartException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;

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

  /**
   * A query parameter the endpoint does not read (QueryParameterCheck): named, with what it takes.
   */
  @ExceptionHandler
  ProblemDetail unknownQueryParameter(UnknownQueryParameterException e) {
    ProblemDetail problem = badRequest("Unknown query parameter", e.getMessage(), e.errors());
    problem.setProperty("accepted", e.accepted());
    return problem;
  }

  /**
   * A caller refused, e.g. acting on another owner's experiment or trial (issue 8); nothing was
   * changed. The feature's exception gives the title and the properties saying why.
   */
  @ExceptionHandler
  ProblemDetail forbidden(ForbiddenException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.FORBIDDEN, e.getMessage());
    problem.setTitle(e.title());
    e.properties().forEach(problem::setProperty);
    return problem;
  }

  @ExceptionHandler
  ProblemDetail notFound(NotFoundException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, e.getMessage());
    problem.setTitle("Not found");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail tooMany(TooManyRequestsException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.TOO_MANY_REQUESTS, e.getMessage());
    problem.setTitle("Too many requests");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail conflict(ConflictException e) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, e.getMessage());
    problem.setTitle("Conflict");
    return problem;
  }

  /**
   * Tomcat parses the query string (or a form body) when a parameter is first read, and refuses a
   * malformed one, e.g. {@code ?=x}, with this exception wherever that happens.
   */
  @ExceptionHandler
  ProblemDetail malformedParameters(org.apache.tomcat.util.http.InvalidParameterException e) {
    return malformedParameters();
  }

  static ProblemDetail malformedParameters() {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            "The query string (or form body) is malformed: every parameter needs a name"
                + " (name=value), and names and values must be correctly %-encoded UTF-8.");
    problem.setTitle("Malformed parameters");
    return problem;
  }

  /**
   * Spring Security's firewall checks parameter names only when they are first read, which can be
   * in a controller's body reader (a form-encoded body), long after the firewall's own handler.
   */
  @ExceptionHandler
  ProblemDetail rejected(RequestRejectedException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            "The request was refused: a parameter name, header or path holds characters this"
                + " server does not accept (control characters, line breaks, encoded separators).");
    problem.setTitle("Malformed request");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail imageRejected(ImageRejectedException e) {
    HttpStatus status =
        e.reason() == ImageRejectedException.Reason.TOO_LARGE
            ? HttpStatus.CONTENT_TOO_LARGE
            : HttpStatus.BAD_REQUEST;
    log.warn("{}: {}", status.value(), e.getMessage());
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, e.getMessage());
    problem.setTitle(
        switch (e.reason()) {
          case TOO_LARGE -> "Image too large";
          case TOO_MANY_PIXELS -> "Image dimensions too large";
          case NOT_AN_IMAGE -> "Not an image";
          case MALFORMED -> "Malformed image";
          case TOO_DEEP -> "Too many bits per sample";
          case TOO_SLOW -> "Image too costly to decode";
        });
    problem.setProperty("reason", e.reason().name().toLowerCase(java.util.Locale.ROOT));
    return problem;
  }

  @ExceptionHandler
  ProblemDetail bodyTooLarge(BodyTooLargeException e) {
    return bodyTooLargeProblem(e);
  }

  static ProblemDetail bodyTooLargeProblem(BodyTooLargeException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, e.getMessage());
    problem.setTitle("Request too large");
    problem.setProperty("maxBytes", e.limit());
    return problem;
  }

  /**
   * A body declared multipart that is not (no boundary, truncated, malformed parts). A multipart
   * body over the size limits is Spring's {@code MaxUploadSizeExceededException}, a 413 already.
   */
  @ExceptionHandler
  ProblemDetail malformedMultipart(MultipartException e) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST,
            "The multipart/form-data body could not be read: send a well-formed multipart body"
                + " whose Content-Type names its boundary, with the parts this endpoint expects.");
    problem.setTitle("Malformed multipart body");
    return problem;
  }

  @ExceptionHandler
  ProblemDetail emptyImage(EmptyImageException e) {
    log.warn("400: {}", e.getMessage());
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, e.getMessage());
    problem.setTitle("No digit in the image");
    return problem;
  }

  /**
   * A JSON body Jackson could not read. Spring's own answer, "Failed to read request", named
   * nothing to fix; this one names the field and what it should be ({@code version: expected an
   * integer, got String "two"}), or where the JSON breaks. Jackson's wording passes through {@link
   * ErrorText} on the way out (ProblemCorrelation), so no Java type reaches the client.
   */
  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    ProblemDetail problem = unreadableBody(e);
    return handleExceptionInternal(
        e, problem, headers, HttpStatusCode.valueOf(problem.getStatus()), request);
  }

  /**
   * A path or query value of the wrong type ({@code /experiments/abc}, {@code ?limit=ten}).
   * Spring's words were "Failed to convert 'id' with value: 'abc'"; this says what the value should
   * be.
   */
  @Override
  protected ResponseEntity<Object> handleTypeMismatch(
      TypeMismatchException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
    FieldError error = ErrorText.typeMismatch(e);
    if (error == null) {
      return super.handleTypeMismatch(e, headers, status, request);
    }
    ProblemDetail problem =
        badRequest("Invalid parameter", error.path() + ": " + error.message(), List.of(error));
    return handleExceptionInternal(e, problem, headers, status, request);
  }

  static ProblemDetail unreadableBody(HttpMessageNotReadableException e) {
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof BodyTooLargeException tooLarge) {
        return bodyTooLargeProblem(tooLarge);
      }
      if (cause instanceof StreamReadException malformed) {
        TokenStreamLocation at = malformed.getLocation();
        String where =
            at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        ProblemDetail problem =
            ProblemDetail.forStatusAndDetail(
                HttpStatus.BAD_REQUEST,
                "The body is not valid JSON"
                    + where
                    + ": "
                    // Jackson's pointer back into its input buffer says nothing to a client.
                    + malformed.getOriginalMessage().replaceFirst("\\s*\\(start marker at.*$", ""));
        problem.setTitle("Malformed JSON");
        return problem;
      }
      if (cause instanceof DatabindException wrong) {
        String path = path(wrong.getPath());
        String message = ErrorText.scrub(wrong.getOriginalMessage());
        if (path.isEmpty()) {
          ProblemDetail problem =
              ProblemDetail.forStatusAndDetail(
                  HttpStatus.BAD_REQUEST, "The body is not what this endpoint takes: " + message);
          problem.setTitle("Invalid request body");
          return problem;
        }
        return badRequest(
            "Invalid request body", path + ": " + message, List.of(new FieldError(path, message)));
      }
    }
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "This request needs a JSON body.");
    problem.setTitle("Missing request body");
    return problem;
  }

  /** Jackson's path as the API's field errors write it: {@code tags[1]}, {@code config.epochs}. */
  private static String path(List<JacksonException.Reference> references) {
    StringBuilder path = new StringBuilder();
    for (JacksonException.Reference reference : references) {
      if (reference.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  @ExceptionHandler
  ProblemDetail unexpected(Exception e, HttpServletRequest request, HttpServletResponse response)
      throws Exception {
    if (response.isCommitted()) {
      // A streamed answer (an export) failed after its first bytes went out: a problem written
      // now would be appended to them and end the response as if whole. Rethrown, the error
      // reaches the container, which closes the connection: the client sees a broken download.
      log.warn(
          "{} {} failed after its response began ({}); closing the connection [correlationId={}]",
          request.getMethod(),
          request.getRequestURI(),
          e.toString(),
          CorrelationId.of(request));
      throw e;
    }
    // A body over the limit is found while a library reads it, and may come wrapped.
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof BodyTooLargeException tooLarge) {
        return bodyTooLargeProblem(tooLarge);
      }
    }
    String id = CorrelationId.of(request);
    log.error(
        "{} {} failed [correlationId={}]", request.getMethod(), request.getRequestURI(), id, e);
    return serverError(id);
  }

  /** What a client learns of a server error: that it happened, and the id to quote. */
  static ProblemDetail serverError(String correlationId) {
    ProblemDetail problem =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.INTERNAL_SERVER_ERROR,
            "The server failed to answer this request; its log has the details under correlation"
                + " id "
                + correlationId
                + ".");
    problem.setTitle("Internal server error");
    return problem;
  }

  private static ProblemDetail badRequest(String title, String detail, List<FieldError> errors) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
    problem.setTitle(title);
    problem.setProperty("errors", errors);
    return problem;
  }
}
