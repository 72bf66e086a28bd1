package dev.digitlab.protocol.pipeline;

import java.time.Duration;
import java.util.List;
import tools.jackson.databind.node.ObjectNode;

/**
 * One step of a checked pipeline, after sweeps are expanded: a swept step {@code train} over {@code
 * trainSubset: [600, 800]} became {@code train-600} and {@code train-800}, each with its value in
 * its parameters.
 *
 * @param sweepParameter the swept parameter this copy belongs to, or null
 * @param sweepValue this copy's value of it (as written in the file), or null
 */
public record StepSpec(
    String name,
    StepType type,
    ObjectNode parameters,
    List<String> dependsOn,
    int maxAttempts,
    Duration backoff,
    Duration timeout,
    StepFaults faults,
    String sweepParameter,
    String sweepValue) {

  public StepSpec {
    dependsOn = List.copyOf(dependsOn);
    parameters = parameters.deepCopy();
  }

  /** A copy of the parameters: the record's own tree is never handed out to be changed. */
  @Override
  public ObjectNode parameters() {
    return parameters.deepCopy();
  }

  /** The delay before attempt {@code next} (2 and on): the backoff, doubled at each retry. */
  public Duration backoffBefore(int next) {
    int doublings = Math.min(Math.max(next - 2, 0), 10);
    return backoff.multipliedBy(1L << doublings);
  }
}
