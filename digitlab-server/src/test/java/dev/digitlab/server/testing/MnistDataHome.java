package dev.digitlab.server.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The developer's data home, where tests that train on real MNIST read it (CI fetches it with
 * {@code ./digitlab data fetch}); such tests are skipped when MNIST is not there, so that no test
 * ever downloads it.
 */
public final class MnistDataHome {

  /** {@code $DIGITLAB_HOME}, else {@code ~/.digitlab}, as for the CLI. */
  public static final Path PATH =
      System.getenv("DIGITLAB_HOME") != null
          ? Path.of(System.getenv("DIGITLAB_HOME"))
          : Path.of(System.getProperty("user.home"), ".digitlab");

  private MnistDataHome() {}

  /** Skips the calling test unless MNIST is in the data home. */
  public static void assumeFetched() {
    assumeTrue(
        Files.isDirectory(PATH.resolve("datasets/mnist")),
        "MNIST is not in " + PATH + "/datasets/mnist: run ./digitlab data fetch");
  }
}
