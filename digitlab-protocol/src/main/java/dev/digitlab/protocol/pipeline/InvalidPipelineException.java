package dev.digitlab.protocol.pipeline;

import dev.digitlab.protocol.experiment.FieldError;
import java.util.List;
import java.util.stream.Collectors;

/** A pipeline document that cannot run; lists every problem found, each naming its step. */
public final class InvalidPipelineException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;

  public InvalidPipelineException(List<FieldError> errors) {
    super(
        "invalid pipeline: "
            + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an invalid pipeline needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  public List<FieldError> errors() {
    return errors;
  }
}
