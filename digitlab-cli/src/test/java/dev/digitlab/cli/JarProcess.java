package dev.digitlab.cli;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code digitlab.jar} run as a process of its own, as the launcher runs it (extracted once per
 * build), its output in a file. For tests that need a real server and real workers on separate
 * JVMs.
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
    return start(extracted(), log, environment, directory, arguments);
  }

  /**
   * As {@link #start(Path, Map, String...)}, from the packed jar itself, as the launcher runs it
   * when it cannot extract it (DIGITLAB_EXTRACT=0, a read-only checkout).
   */
  static JarProcess startPacked(Path log, Map<String, String> environment, String... arguments)
      throws IOException {
    return start(JAR, log, environment, null, arguments);
  }

  /**
   * The jar as the launcher runs it: digitlab.jar extracted once per build, in the launcher's own
   * place ({@code target/launch/<mtime>-<size>/}, see {@code ./digitlab}), so that each JVM loads
   * its classes with the JDK's class loader instead of reading them out of the nested jars (about a
   * second of CPU per start, and these tests start a couple of dozen JVMs).
   */
  private static synchronized Path extracted() throws IOException {
    Path launchDir = JAR.resolveSibling("launch");
    String key = Files.getLastModifiedTime(JAR).to(TimeUnit.SECONDS) + "-" + Files.size(JAR);
    Path jar = launchDir.resolve(key).resolve("digitlab.jar");
    if (Files.isRegularFile(jar)) {
      return jar;
    }
    Files.createDirectories(launchDir);
    Path tmp = Files.createTempDirectory(launchDir, ".extracting.");
    try {
      Process extract =
          new ProcessBuilder(
                  java(),
                  "-Djarmode=tools",
                  "-jar",
                  JAR.toString(),
                  "extract",
                  "--destination",
                  tmp.resolve("jar").toString())
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("log").toFile())
              .start();
      if (!extract.waitFor(5, TimeUnit.MINUTES) || extract.exitValue() != 0) {
        extract.destroyForcibly();
        throw new IllegalStateException(
            "could not extract " + JAR + ": " + Files.readString(tmp.resolve("log")));
      }
      try {
        // Atomic, as the launcher's `mv -T`: a concurrent launcher run may have won the race.
        Files.move(tmp.resolve("jar"), jar.getParent(), StandardCopyOption.ATOMIC_MOVE);
      } catch (FileSystemException lost) {
        // A concurrent run (the other test JVM) may have won the race: its copy is as good. Linux
        // answers a rename onto its non-empty folder with ENOTEMPTY, which Java throws as a plain
        // FileSystemException ("Directory not empty"), not as FileAlreadyExistsException.
        if (!Files.isRegularFile(jar)) {
          throw lost;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while extracting " + JAR, e);
    } finally {
      deleteRecursively(tmp);
    }
    return jar;
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private static JarProcess start(
      Path jar, Path log, Map<String, String> environment, Path directory, String... arguments)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(java());
    command.addAll(
        List.of(
            "--enable-native-access=ALL-UNNAMED",
            "-Dai.djl.offline=true",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseParallelGC",
            "-jar",
            jar.toString()));
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
