package dev.digitlab.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;

/** A YAML or JSON file to send to the server as it is (an experiment, a pipeline). */
record DocumentFile(String text, String contentType) {

  /**
   * Reads {@code file}; {@code .json} is sent as JSON, anything else as YAML (the server reads JSON
   * as YAML too).
   *
   * @throws IllegalArgumentException if there is no such file
   */
  static DocumentFile read(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("There is no file " + file + ".");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file + ": " + e.getMessage(), e);
    }
    String type =
        file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json")
            ? "application/json"
            : "application/yaml";
    return new DocumentFile(text, type);
  }
}
