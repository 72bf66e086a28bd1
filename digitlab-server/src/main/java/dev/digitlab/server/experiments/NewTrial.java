package dev.digitlab.server.experiments;

import java.util.Objects;

/**
 * One trial to create with its experiment: its concrete config (JSON) and the worker capability it
 * needs ({@code "cpu"}, {@code "gpu"}, or null for any worker).
 */
public record NewTrial(String config, String requires) {

  public NewTrial {
    Objects.requireNonNull(config, "config");
    if (requires != null && !requires.equals("cpu") && !requires.equals("gpu")) {
      throw new IllegalArgumentException(
          "A trial requires cpu, gpu or nothing, not '" + requires + "'");
    }
  }

  /** A trial that any worker may run. */
  public static NewTrial of(String config) {
    return new NewTrial(config, null);
  }
}
