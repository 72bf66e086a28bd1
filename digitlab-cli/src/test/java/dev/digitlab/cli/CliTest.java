package dev.digitlab.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;

/**
 * A test that runs the CLI in its own JVM, as {@code digitlab ARGS} would run: {@link #run} writes
 * into {@link #out} and {@link #err} and returns the exit status. The one place tests build a
 * command line, so every test runs the commands exactly as {@link DigitLab#main} does.
 */
abstract class CliTest {

  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  /**
   * The server every {@link #run} talks to ({@code --server URL} is added unless the arguments name
   * one), or null for commands that need none.
   */
  String server() {
    return null;
  }

  /** Runs {@code digitlab ARGS} (with {@code --server} {@link #server()}); its exit status. */
  int run(String... args) {
    String server = server();
    if (server == null || Arrays.asList(args).contains("--server")) {
      return runExactly(args);
    }
    String[] withServer = Arrays.copyOf(args, args.length + 2);
    withServer[args.length] = "--server";
    withServer[args.length + 1] = server;
    return runExactly(withServer);
  }

  /** Runs {@code digitlab ARGS} as given, without adding a server; its exit status. */
  int runExactly(String... args) {
    return DigitLab.commandLine()
        .setOut(new PrintWriter(out, true))
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }
}
