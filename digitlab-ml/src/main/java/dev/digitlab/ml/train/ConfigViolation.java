package dev.digitlab.ml.train;

/** One broken rule of a training config: the field (as in the API) and what is allowed. */
public record ConfigViolation(String field, String message) {

  @Override
  public String toString() {
    return field + " " + message;
  }
}
