package dev.digitlab.cli;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.server.DigitLabServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** A real Digit Lab server for client-command tests: a free loopback port, H2 in a temp home. */
final class LocalServer {

  private LocalServer() {}

  /** Starts a server without a worker, so tests decide what happens to its trials. */
  static ConfigurableApplicationContext start(Path home, String... moreArguments) {
    // No worker unless the caller asks for one (a slots argument of its own replaces this one).
    boolean slots =
        java.util.Arrays.stream(moreArguments)
            .anyMatch(a -> a.startsWith("--digitlab.worker.slots="));
    String[] arguments =
        slots
            ? new String[] {
              "--server.port=0", "--server.address=127.0.0.1", "--digitlab.home=" + home
            }
            : new String[] {
              "--server.port=0",
              "--server.address=127.0.0.1",
              "--digitlab.home=" + home,
              "--digitlab.worker.slots=0"
            };
    String[] all = java.util.Arrays.copyOf(arguments, arguments.length + moreArguments.length);
    System.arraycopy(moreArguments, 0, all, arguments.length, moreArguments.length);
    return SpringApplication.run(DigitLabServer.class, all);
  }

  /**
   * Starts a server whose embedded worker (one slot) runs command trials, and so pipeline command
   * steps ({@code --allow-commands}); nothing else is queued in these tests.
   */
  static ConfigurableApplicationContext startWithCommandWorker(Path home) {
    return SpringApplication.run(
        DigitLabServer.class,
        "--server.port=0",
        "--server.address=127.0.0.1",
        "--digitlab.home=" + home,
        "--digitlab.worker.slots=1",
        "--digitlab.commands.allowed=true");
  }

  /** Where the developer's MNIST is: {@code $DIGITLAB_HOME}, else {@code ~/.digitlab}. */
  static final Path DATA_HOME =
      System.getenv("DIGITLAB_HOME") != null
          ? Path.of(System.getenv("DIGITLAB_HOME"))
          : Path.of(System.getProperty("user.home"), ".digitlab");

  /**
   * Starts a server with one embedded worker that trains on the MNIST in {@link #DATA_HOME}; skips
   * the calling test when that MNIST is missing (the worker never fetches in tests).
   */
  static ConfigurableApplicationContext startWithWorkerOnMnist(Path home) {
    assumeTrue(
        Files.isDirectory(DATA_HOME.resolve("datasets/mnist")),
        "MNIST is not in " + DATA_HOME + "/datasets/mnist: run ./digitlab data fetch");
    return startWithWorker(home, DATA_HOME);
  }

  /** Starts a server with one embedded worker that reads (never fetches) datasets in dataHome. */
  private static ConfigurableApplicationContext startWithWorker(Path home, Path dataHome) {
    return SpringApplication.run(
        DigitLabServer.class,
        "--server.port=0",
        "--server.address=127.0.0.1",
        "--digitlab.home=" + home,
        "--digitlab.worker.data-home=" + dataHome,
        "--digitlab.worker.slots=1");
  }

  /** The base URL clients use, e.g. {@code http://127.0.0.1:40123}. */
  static String url(ConfigurableApplicationContext server) {
    return "http://127.0.0.1:" + server.getEnvironment().getProperty("local.server.port");
  }
}
