package dev.digitlab.server.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Data homes for tests whose Spring context is built before JUnit's temporary folders exist; each
 * is removed when the test JVM exits (after Spring's cached contexts have shut down).
 */
final class TestHomes {

  private TestHomes() {}

  static Path create(String prefix) {
    try {
      Path home = Files.createTempDirectory("digitlab-" + prefix + "-");
      Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(home)));
      return home;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path home) {
    try (Stream<Path> files = Files.walk(home)) {
      for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(file);
      }
    } catch (IOException e) {
      // Best effort at exit: a file still open elsewhere leaves its folder behind.
    }
  }
}
