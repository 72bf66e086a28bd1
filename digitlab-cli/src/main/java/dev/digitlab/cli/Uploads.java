package dev.digitlab.cli;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;

/**
 * What the commands that send files to the server share: reading a file the user named (a usage
 * error naming it when it cannot be read), packing files as {@link CodePacker} packs code, and
 * putting names into request addresses.
 */
final class Uploads {

  private Uploads() {}

  /**
   * The bytes of {@code file}, or a usage error of {@code command} saying why it cannot be read.
   */
  static byte[] read(CommandLine command, Path file) {
    // The exceptions' own messages are the bare path ("Cannot read x: x").
    if (Files.isDirectory(file)) {
      throw new CommandLine.ParameterException(command, file + " is a folder, not a file.");
    }
    try {
      return Files.readAllBytes(file);
    } catch (java.nio.file.NoSuchFileException e) {
      throw new CommandLine.ParameterException(command, "There is no file " + file + ".");
    } catch (java.nio.file.AccessDeniedException e) {
      throw new CommandLine.ParameterException(
          command, "Cannot read " + file + ": permission denied.");
    } catch (IOException e) {
      throw new CommandLine.ParameterException(
          command, "Cannot read " + file + ": " + e.getMessage());
    }
  }

  /**
   * {@code files} alone (not the rest of their folder), packed as a deterministic {@code .tar.gz}
   * by their names, as {@link CodePacker} packs a folder.
   */
  static CodePacker.Packed pack(List<Path> files) throws IOException {
    Path staging = Files.createTempDirectory("digitlab-upload-");
    try {
      for (Path file : files) {
        Files.copy(file, staging.resolve(file.getFileName()));
      }
      return CodePacker.pack(staging);
    } finally {
      try (var copies = Files.list(staging)) {
        for (Path copy : copies.toList()) {
          Files.deleteIfExists(copy);
        }
      }
      Files.deleteIfExists(staging);
    }
  }

  /** {@code value} as a query parameter's value. */
  static String query(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  /** {@code name} as one segment of a path (a space as {@code %20}, not {@code +}). */
  static String segment(String name) {
    return query(name).replace("+", "%20");
  }
}
