package dev.digitlab.server.trials;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.worker.run.RunArtifact;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The files a trial's attempts left in {@code <home>/trials/<trial>/attempt-<n>}: the latest
 * attempt that has a file is the one whose file counts, and nothing outside the trial's folder is
 * ever named.
 */
@Component
public class TrialFiles {

  private static final Pattern SAFE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

  private final TrialDirectories directories;

  TrialFiles(TrialDirectories directories) {
    this.directories = directories;
  }

  /**
   * The file of {@code artifact} from the latest attempt that wrote it; fetched from the shared
   * object store when this server does not have it locally (it ran elsewhere).
   */
  public Optional<Path> latest(Trial trial, RunArtifact artifact) {
    Path trialDir = directories.of(trial.id()).toAbsolutePath().normalize();
    for (int attempt = trial.attempt(); attempt >= 1; attempt--) {
      Path file = artifact.in(trialDir.resolve("attempt-" + attempt)).normalize();
      if (file.startsWith(trialDir)
          && directories.artifacts().fetch(trial.id(), attempt, artifact.fileName(), file)
          && confined(trialDir, file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /**
   * The file of a command's output artifact {@code name} ({@code attempt-<n>/outputs/<name>}) from
   * the latest attempt that has it, fetched from the shared store if only it has the file.
   */
  public Optional<Path> latestOutput(Trial trial, String name) {
    Path trialDir = directories.of(trial.id()).toAbsolutePath().normalize();
    for (int attempt = trial.attempt(); attempt >= 1; attempt--) {
      String relative = "attempt-" + attempt + "/" + RunArtifact.OUTPUTS_FOLDER + "/" + name;
      Path file = trialDir.resolve(relative).normalize();
      if (file.startsWith(trialDir)
          && directories.artifacts().fetch(trial.id(), relative, file)
          && confined(trialDir, file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /**
   * The file {@code relative} ({@code model.dlm}, {@code outputs/<name>}) that attempt {@code
   * attempt} left, fetched from the shared store if only it has it; empty when there is none or the
   * path would leave the attempt's folder. What an export carries: every attempt's files, not only
   * the latest.
   */
  public Optional<Path> ofAttempt(Trial trial, int attempt, String relative) {
    Path trialDir = directories.of(trial.id()).toAbsolutePath().normalize();
    Path attemptDir = trialDir.resolve("attempt-" + attempt);
    Path file = attemptDir.resolve(relative).normalize();
    if (attempt < 1 || !file.startsWith(attemptDir)) {
      return Optional.empty();
    }
    String key = "attempt-" + attempt + "/" + relative;
    return directories.artifacts().fetch(trial.id(), key, file) && confined(trialDir, file)
        ? Optional.of(file)
        : Optional.empty();
  }

  /** Whether the given attempt wrote the artifact's file (here, or in the shared store). */
  boolean exists(long trialId, int attempt, RunArtifact artifact) {
    Path trialDir = directories.of(trialId).toAbsolutePath().normalize();
    return confined(trialDir, artifact.in(trialDir.resolve("attempt-" + attempt)).normalize())
        || directories.artifacts().storedRemotely(trialId, attempt, artifact.fileName());
  }

  /**
   * Whether {@code file} is a regular file really inside {@code trialDir}: a symbolic link — the
   * file itself, or its attempt folder — could lead anywhere on the server, so its target must be
   * inside the trial's folder too, and the file itself must not be a link.
   */
  static boolean confined(Path trialDir, Path file) {
    if (!file.startsWith(trialDir) || !Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      return file.toRealPath().startsWith(trialDir.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The artifact a user names by its artifact name ({@code model}) or its file name ({@code
   * model.dlm}); empty when no artifact has that name.
   *
   * @throws InvalidParameterException for a name that could point anywhere else: a path, {@code
   *     ..}, an absolute path, or characters outside letters, digits, {@code . _ -}
   */
  static Optional<RunArtifact> artifactNamed(String name) {
    // The pattern already refuses separators and a leading '/' (absolute paths); '..' is refused
    // on its own, so that no name can climb out of the attempt's folder.
    if (!SAFE_NAME.matcher(name).matches() || name.contains("..")) {
      throw new InvalidParameterException(
          "name",
          "must be an artifact's name or file name (letters, digits, '.', '_', '-'; no paths),"
              + " got '"
              + name
              + "'");
    }
    for (RunArtifact artifact : RunArtifact.values()) {
      if (artifact.artifactName().equals(name) || artifact.fileName().equals(name)) {
        return Optional.of(artifact);
      }
    }
    return Optional.empty();
  }
}
