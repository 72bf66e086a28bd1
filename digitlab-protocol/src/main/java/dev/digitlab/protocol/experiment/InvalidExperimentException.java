package dev.digitlab.protocol.experiment;

import java.util.List;
import java.util.stream.Collectors;

/** An experiment document or spec that cannot be run; lists every problem that was found. */
public final class InvalidExperimentException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final transient List<FieldError> errors;

  public InvalidExperimentException(List<FieldError> errors) {
    super(
        "invalid experiment: "
            + errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an invalid experiment needs at least one error");
    }
    this.errors = List.copyOf(errors);
  }

  public InvalidExperimentException(FieldError error) {
    this(List.of(error));
  }

  /** Every problem found, in document order where there is one. */
  public List<FieldError> errors() {
    return errors;
  }
}
