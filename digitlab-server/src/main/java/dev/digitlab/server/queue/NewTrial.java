package dev.digitlab.server.queue;

import java.util.Objects;

/**
 * One trial to create with its experiment: its concrete config (JSON), the worker capability it
 * needs ({@code "cpu"}, {@code "gpu"}, or null for any worker), and whether only a worker inside
 * the server may run it ({@code serverOnly}: its data is the server's, e.g. a retraining's
 * feedback). A {@code command} trial runs its experiment's program, its config being the program's
 * parameter values; only a worker with the capability {@code command} claims it.
 */
public record NewTrial(String config, String requires, boolean serverOnly, boolean command) {

  public NewTrial {
    Objects.requireNonNull(config, "config");
    if (requires != null && !requires.equals("cpu") && !requires.equals("gpu")) {
      throw new IllegalArgumentException(
          "A trial requires cpu, gpu or nothing, not '" + requires + "'");
    }
  }

  /** A built-in trial. */
  public NewTrial(String config, String requires, boolean serverOnly) {
    this(config, requires, serverOnly, false);
  }

  /** A trial that any worker with the capability may run. */
  public NewTrial(String config, String requires) {
    this(config, requires, false);
  }

  /** A command trial with these parameter values (a JSON object). */
  public static NewTrial command(String parameters) {
    return new NewTrial(parameters, null, false, true);
  }

  /** The trial's {@code trial.kind}. */
  String kind() {
    return command ? TrialQueue.COMMAND_KIND : TrialQueue.BUILTIN_KIND;
  }

  /** A trial that any worker may run. */
  public static NewTrial of(String config) {
    return new NewTrial(config, null);
  }
}
