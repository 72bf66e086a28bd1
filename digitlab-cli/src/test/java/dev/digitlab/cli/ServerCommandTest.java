package dev.digitlab.cli;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A client-command test against a real server of its own ({@link LocalServer}: a free loopback
 * port, H2 in a temp home), started once per test class: the subclass's {@code @BeforeAll} calls
 * {@link #startServer} with the options it needs (or {@link #useServer} with one it started).
 * {@link #run} runs the CLI against it, into {@link #out} and {@link #err}.
 */
abstract class ServerCommandTest extends CliTest {

  @TempDir static Path home;

  static ConfigurableApplicationContext server;
  static String url;

  /** A folder of the current test's own, for the files it writes. */
  @TempDir Path dir;

  /** Starts a {@link LocalServer} without a worker, with these more arguments. */
  static void startServer(String... moreArguments) {
    useServer(LocalServer.start(home, moreArguments));
  }

  /** Uses a server the subclass started itself (with a worker, say) in {@link #home}. */
  static void useServer(ConfigurableApplicationContext started) {
    server = started;
    url = LocalServer.url(server);
  }

  @AfterAll
  static void stopServer() {
    // Null when the start failed or was skipped: teardown must not hide that behind an NPE.
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Override
  String server() {
    return url;
  }
}
