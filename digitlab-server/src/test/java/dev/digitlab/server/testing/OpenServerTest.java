package dev.digitlab.server.testing;

import java.nio.file.Path;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * One server on a random port, without authentication and without an embedded worker (trials stay
 * queued until a test changes them), shared by every test class that extends this: Spring starts
 * its context once per test JVM instead of once per class. Its data home is {@link #home}.
 *
 * <p>A class extending this must not assume an empty server: other classes' experiments, trials,
 * files and tokens are there too. It names what it creates uniquely (or finds it by the id it got
 * back) and counts only its own. A class needing another setting keeps a context of its own.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
public abstract class OpenServerTest {

  /** The shared server's data home ({@code digitlab.home}). */
  protected static final Path home = SharedHome.create("open");

  @DynamicPropertySource
  static void sharedServer(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", home::toString);
    properties.add("digitlab.worker.slots", () -> "0");
  }
}
