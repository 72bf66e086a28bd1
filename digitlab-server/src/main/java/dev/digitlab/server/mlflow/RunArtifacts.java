package dev.digitlab.server.mlflow;

import static dev.digitlab.server.database.Timestamps.toSql;

import dev.digitlab.server.trials.TrialDirectories;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Files logged to runs through MLflow's artifact proxy: kept in the trial's folder under {@code
 * mlflow-artifacts/} and published to the shared object store like every trial file (so a server
 * without the file fetches it back), and indexed in {@code run_artifact} for listing.
 */
@Component
class RunArtifacts {

  static final String FOLDER = "mlflow-artifacts";

  private final TrialDirectories directories;
  private final JdbcClient jdbc;
  private final Clock clock;

  RunArtifacts(TrialDirectories directories, JdbcClient jdbc, Clock clock) {
    this.directories = directories;
    this.jdbc = jdbc;
    this.clock = clock;
  }

  /** One entry of a listing: a file, or a folder (size null). */
  record Entry(String path, boolean dir, Long size) {}

  /**
   * The safe relative path of an artifact: {@code /}-separated, no empty, {@code .} or {@code ..}
   * segment, no backslash; INVALID_PARAMETER_VALUE otherwise. Empty means the run's root.
   */
  static String checkPath(String path) {
    if (path == null) {
      return "";
    }
    String trimmed = path.startsWith("/") ? path.substring(1) : path;
    if (trimmed.endsWith("/")) {
      trimmed = trimmed.substring(0, trimmed.length() - 1);
    }
    if (trimmed.isEmpty()) {
      return "";
    }
    for (String segment : trimmed.split("/", -1)) {
      if (segment.isEmpty()
          || segment.equals(".")
          || segment.equals("..")
          || segment.contains("\\")
          || segment.indexOf('\0') >= 0
          || segment.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 255) {
        throw MlflowException.invalid("Invalid path '" + path + "': it must be a relative path");
      }
    }
    MlflowNames.checkLength("artifact path", trimmed, 1000);
    return trimmed;
  }

  void put(long trialId, String path, InputStream body) {
    Path target = directories.of(trialId).resolve(FOLDER).resolve(path);
    try {
      Files.createDirectories(target.getParent());
      Path partial = Files.createTempFile(target.getParent(), ".upload-", ".part");
      try {
        Files.copy(body, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(partial);
      }
      long size = Files.size(target);
      directories.artifacts().publish(trialId, FOLDER + "/" + path, target);
      int updated =
          jdbc.sql(
                  "UPDATE run_artifact SET file_size = :size, created_at = :now"
                      + " WHERE trial_id = :id AND path = :path")
              .param("size", size)
              .param("now", toSql(clock.instant()))
              .param("id", trialId)
              .param("path", path)
              .update();
      if (updated == 0) {
        jdbc.sql(
                "INSERT INTO run_artifact (trial_id, path, file_size, created_at)"
                    + " VALUES (:id, :path, :size, :now)")
            .param("size", size)
            .param("now", toSql(clock.instant()))
            .param("id", trialId)
            .param("path", path)
            .update();
      }
    } catch (java.nio.file.FileSystemException e) {
      // a file where the path needs a folder, or a folder where it names a file
      throw MlflowException.invalid(
          "Cannot store artifact '" + path + "': it clashes with an artifact already logged");
    } catch (IOException e) {
      throw new UncheckedIOException("could not store artifact " + path, e);
    }
  }

  /** The file of the artifact, fetched from the shared store if this server lacks it. */
  Optional<Path> get(long trialId, String path) {
    boolean known =
        jdbc.sql("SELECT COUNT(*) FROM run_artifact WHERE trial_id = :id AND path = :path")
                .param("id", trialId)
                .param("path", path)
                .query(Long.class)
                .single()
            > 0;
    if (!known) {
      return Optional.empty();
    }
    Path file = directories.of(trialId).resolve(FOLDER).resolve(path);
    return directories.artifacts().fetch(trialId, FOLDER + "/" + path, file)
        ? Optional.of(file)
        : Optional.empty();
  }

  /** The files and folders directly under {@code path} (the run's root when empty), by name. */
  List<Entry> list(long trialId, String path) {
    String prefix = path.isEmpty() ? "" : path + "/";
    TreeMap<String, Entry> entries = new TreeMap<>();
    jdbc.sql(
            "SELECT path, file_size FROM run_artifact WHERE trial_id = :id"
                + " AND path LIKE :prefix ESCAPE '\\'")
        .param("id", trialId)
        .param("prefix", prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        .query(
            (row, n) -> {
              String rest = row.getString(1).substring(prefix.length());
              int slash = rest.indexOf('/');
              String name = slash < 0 ? rest : rest.substring(0, slash);
              entries.put(
                  name,
                  slash < 0
                      ? new Entry(prefix + name, false, row.getLong(2))
                      : new Entry(prefix + name, true, null));
              return name;
            })
        .list();
    return new ArrayList<>(entries.values());
  }

  /** Deletes the artifact, or every artifact under the folder; false when there was none. */
  boolean delete(long trialId, String path) {
    List<String> paths =
        jdbc.sql(
                "SELECT path FROM run_artifact WHERE trial_id = :id"
                    + " AND (path = :path OR path LIKE :prefix ESCAPE '\\')")
            .param("id", trialId)
            .param("path", path)
            .param(
                "prefix", path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "/%")
            .query(String.class)
            .list();
    for (String stored : paths) {
      jdbc.sql("DELETE FROM run_artifact WHERE trial_id = :id AND path = :path")
          .param("id", trialId)
          .param("path", stored)
          .update();
      try {
        Files.deleteIfExists(directories.of(trialId).resolve(FOLDER).resolve(stored));
      } catch (IOException e) {
        // the index no longer lists it: a leftover file is never served
      }
    }
    return !paths.isEmpty();
  }
}
