package dev.digitlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code digitlab.jar} run as a process of its own, as the launcher runs it, its output in a file.
 * For tests that need a real server and real workers on separate JVMs.
 */
final class JarProcess implements AutoCloseable {

  static final Path JAR = Path.of("target", "digitlab.jar").toAbsolutePath();
  private static final Pattern SERVER_URL =
      Pattern.compile("Digit Lab server is running; open (http://[^/]+)/");

  private final Process process;
  private final Path log;

  private JarProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** Starts {@code java -jar digitlab.jar ARGS…}, writing its output to {@code log}. */
  static JarProcess start(Path log, String... arguments) throws IOException {
    return start(log, Map.of(), arguments);
  }

  /** As {@link #start(Path, String...)}, with more environment variables. */
  static JarProcess start(Path log, Map<String, String> environment, String... arguments)
      throws IOException {
    return start(log, environment, null, arguments);
  }

  /** As {@link #start(Path, Map, String...)}, in {@code directory} (null: this one). */
  static JarProcess start(
      Path log, Map<String, String> environment, Path directory, String... arguments)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseParallelGC",
            "-jar",
            JAR.toString()));
    command.addAll(List.of(arguments));
    ProcessBuilder builder =
        new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().put("MKL_CBWR", "AUTO,STRICT");
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    return new JarProcess(builder.start(), log);
  }

  /** Waits for a {@code server} process to say where it listens. */
  String awaitServerUrl(Duration timeout) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      Matcher url = SERVER_URL.matcher(output());
      if (url.find()) {
        return url.group(1);
      }
      if (!process.isAlive()) {
        throw new IllegalStateException("the server exited: " + output());
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the server did not start in " + timeout + ": " + output());
  }

  String output() throws IOException {
    return Files.exists(log) ? Files.readString(log) : "";
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL at once: a worker that crashes, with no chance to report or clean up. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  /** Waits for the process to exit and returns its status. */
  int waitFor(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new IllegalStateException("still running after " + timeout);
    }
    return process.exitValue();
  }

  /** SIGTERM, then SIGKILL if it has not exited within 20 s. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
