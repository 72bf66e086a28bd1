package dev.digitlab.protocol.experiment;

/**
 * One problem of an experiment document: where it is ({@code config.learningRate}, {@code
 * search.parameters.batchSize[1]}, {@code trials[3].momentum}; empty for the whole document) and
 * what to do about it.
 */
public record FieldError(String path, String message) {

  @Override
  public String toString() {
    return path.isEmpty() ? message : path + ": " + message;
  }
}
