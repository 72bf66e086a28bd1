package dev.digitlab.cli;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where Digit Lab keeps its files (datasets, runs): {@code --home}, else {@code DIGITLAB_HOME},
 * else {@code ~/.digitlab}.
 */
record DataHome(Path path) {

  static final String ENVIRONMENT_VARIABLE = "DIGITLAB_HOME";

  /** The data home for this process. */
  static DataHome resolve(Path option) {
    return resolve(option, System.getenv(), Path.of(System.getProperty("user.home")));
  }

  static DataHome resolve(Path option, Map<String, String> environment, Path userHome) {
    if (option != null) {
      return new DataHome(option);
    }
    String fromEnvironment = environment.get(ENVIRONMENT_VARIABLE);
    if (fromEnvironment != null && !fromEnvironment.isBlank()) {
      return new DataHome(Path.of(fromEnvironment));
    }
    return new DataHome(userHome.resolve(".digitlab"));
  }
}
