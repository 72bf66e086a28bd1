package dev.digitlab.server.trials;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Files;
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

  /** The file of {@code artifact} from the latest attempt that wrote it. */
  public Optional<Path> latest(Trial trial, RunArtifact artifact) {
    Path trialDir = directories.of(trial.id()).toAbsolutePath().normalize();
    for (int attempt = trial.attempt(); attempt >= 1; attempt--) {
      Path file = artifact.in(trialDir.resolve("attempt-" + attempt)).normalize();
      if (file.startsWith(trialDir) && Files.isRegularFile(file)) {
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }

  /** Whether the given attempt's folder has the artifact's file. */
  boolean exists(long trialId, int attempt, RunArtifact artifact) {
    return Files.isRegularFile(artifact.in(directories.of(trialId).resolve("attempt-" + attempt)));
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
