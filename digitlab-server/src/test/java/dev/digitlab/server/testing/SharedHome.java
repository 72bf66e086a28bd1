package dev.digitlab.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A data home for a Spring context that several test classes share ({@link OpenServerTest}, {@link
 * AuthServerTest}). Unlike a class's {@code @TempDir}, which JUnit deletes after that class while
 * Spring keeps the context (and its H2 file) cached for the next class, it lives as long as the
 * test JVM: under {@code target/shared-homes/}, which {@code mvn clean} removes.
 */
final class SharedHome {

  private SharedHome() {}

  /** A new, empty directory for this JVM; {@code name} says which shared server it serves. */
  static Path create(String name) {
    try {
      Path parent = Files.createDirectories(Path.of("target", "shared-homes"));
      return Files.createTempDirectory(parent, name + "-").toAbsolutePath();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
