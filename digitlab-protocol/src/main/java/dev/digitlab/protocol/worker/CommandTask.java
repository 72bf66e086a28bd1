package dev.digitlab.protocol.worker;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A command trial as a worker runs it: carried in {@link LeaseGrant#command()}, null for a built-in
 * trial. The server has already put this trial's parameter values into {@code argv}; the worker
 * adds nothing to it.
 *
 * <p>The worker runs {@code argv} in a work directory that holds the unpacked code, in its own
 * process group, with an environment of only {@code PATH}, {@code LANG}, {@code HOME} (the work
 * directory), the {@code DIGITLAB_OUTPUT_DIR} and {@code DIGITLAB_CHECKPOINT_DIR} it makes, and
 * {@code environment}. Stdout lines {@code metric NAME=VALUE [step=N]} become metrics.
 *
 * @param argv the program and its arguments, parameters substituted; never empty
 * @param codeSha256 the SHA-256 (hex) of the packed code (a {@code .tar.gz}), fetched from {@link
 *     WorkerProtocol#CODE} and cached by the worker; null when the experiment has no code
 * @param environment this trial's variables: {@code MLFLOW_TRACKING_URI}, {@code MLFLOW_RUN_ID},
 *     {@code MLFLOW_EXPERIMENT_ID}, {@code MLFLOW_TRACKING_TOKEN} (a token that may only report for
 *     this trial), {@code DIGITLAB_TRIAL_ID}, {@code DIGITLAB_EXPERIMENT_ID}
 * @param timeoutSeconds the attempt fails with "timed out after N s" once its program has run this
 *     long; 0 for no limit
 */
public record CommandTask(
    List<String> argv, String codeSha256, Map<String, String> environment, long timeoutSeconds) {

  public CommandTask {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must name a program");
    }
    argv = List.copyOf(argv);
    environment = environment == null ? Map.of() : Map.copyOf(environment);
    if (timeoutSeconds < 0) {
      throw new IllegalArgumentException("timeoutSeconds must be ≥ 0, got " + timeoutSeconds);
    }
  }
}
