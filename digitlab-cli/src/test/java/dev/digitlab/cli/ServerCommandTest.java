package dev.digitlab.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine;

/**
 * A client-command test against a real server of its own ({@link LocalServer}: a free loopback
 * port, H2 in a temp home), started once per test class: the subclass's {@code @BeforeAll} calls
 * {@link #startServer} with the options it needs. {@link #run} runs the CLI against it, into {@link
 * #out} and {@link #err}.
 */
abstract class ServerCommandTest {

  @TempDir static Path home;

  static ConfigurableApplicationContext server;
  static String url;

  /** A folder of the current test's own, for the files it writes. */
  @TempDir Path dir;

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  static void startServer(String... moreArguments) {
    server = LocalServer.start(home, moreArguments);
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

  /** Runs {@code digitlab ARGS --server URL}; returns its exit status. */
  int run(String... args) {
    CommandLine cli =
        DigitLab.commandLine()
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(err, true));
    String[] withServer = new String[args.length + 2];
    System.arraycopy(args, 0, withServer, 0, args.length);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = url;
    return cli.execute(withServer);
  }
}
