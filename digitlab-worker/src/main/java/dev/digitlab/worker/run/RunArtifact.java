package dev.digitlab.worker.run;

import java.nio.file.Path;
import java.util.Optional;

/** The files an attempt leaves in its work directory, with their artifact names and kinds. */
public enum RunArtifact {
  /** Rewritten after every epoch; what the next attempt resumes from. */
  CHECKPOINT("checkpoint", "checkpoint", "checkpoint.ckpt"),
  /** The trained parameters, written at the end. */
  MODEL("model", "model", "model.dlm"),
  /** Test-set counts, rows = true class, columns = predicted class. */
  CONFUSION_MATRIX("confusion-matrix", "report", "confusion-matrix.json"),
  /** Test accuracy, macro and weighted averages, and precision/recall/F1/support per class. */
  PER_CLASS("per-class", "report", "per-class.json"),
  /** Misclassified test images: index, actual, predicted, confidence; most confident first. */
  MISCLASSIFIED("misclassified", "report", "misclassified.json");

  /**
   * The kind of a command trial's own files (what it wrote to {@code $DIGITLAB_OUTPUT_DIR}); such
   * an artifact's name is free, and its file is {@link #output(Path, String)}.
   */
  public static final String OUTPUT_KIND = "output";

  /** The folder of a work directory that holds a command's output files. */
  public static final String OUTPUTS_FOLDER = "outputs";

  private final String artifactName;
  private final String kind;
  private final String fileName;

  RunArtifact(String artifactName, String kind, String fileName) {
    this.artifactName = artifactName;
    this.kind = kind;
    this.fileName = fileName;
  }

  /** The name in {@code ArtifactRef.name} and in {@link RunOutcome#artifacts()}. */
  public String artifactName() {
    return artifactName;
  }

  /** The kind in {@code ArtifactRef.kind}. */
  public String kind() {
    return kind;
  }

  /** The file's name in the work directory. */
  public String fileName() {
    return fileName;
  }

  /** The artifact an {@code ArtifactRef} names, e.g. to find the file a sink should upload. */
  public static Optional<RunArtifact> named(String artifactName) {
    for (RunArtifact artifact : values()) {
      if (artifact.artifactName.equals(artifactName)) {
        return Optional.of(artifact);
      }
    }
    return Optional.empty();
  }

  /** Where this artifact lives in {@code workDir}. */
  public Path in(Path workDir) {
    return workDir.resolve(fileName);
  }

  /** Where a command's output artifact {@code name} lives in {@code workDir}. */
  public static Path output(Path workDir, String name) {
    return workDir.resolve(OUTPUTS_FOLDER).resolve(name);
  }
}
