package dev.digitlab.server.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Data homes for tests whose Spring context is built before JUnit's temporary folders exist. */
final class TestHomes {

  private TestHomes() {}

  static Path create(String prefix) {
    try {
      Path home = Files.createTempDirectory("digitlab-" + prefix + "-");
      home.toFile().deleteOnExit();
      return home;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
