package dev.digitlab.server.trials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.artifacts.TrialArtifactStore;
import dev.digitlab.worker.run.RunArtifact;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TrialFilesTest {

  @ParameterizedTest
  @CsvSource({
    "model, MODEL",
    "model.dlm, MODEL",
    "checkpoint, CHECKPOINT",
    "checkpoint.ckpt, CHECKPOINT",
    "confusion-matrix, CONFUSION_MATRIX",
    "per-class.json, PER_CLASS",
    "misclassified.json, MISCLASSIFIED"
  })
  void an_artifact_is_named_by_its_name_or_its_file_name(String name, RunArtifact artifact) {
    assertThat(TrialFiles.artifactNamed(name)).hasValue(artifact);
  }

  @ParameterizedTest
  @ValueSource(strings = {"notes.txt", "model.dlm.bak"})
  void an_unknown_name_is_no_artifact(String name) {
    assertThat(TrialFiles.artifactNamed(name)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "..",
        "../attempt-1/model.dlm",
        "attempt-1/model.dlm",
        "/etc/passwd",
        "..\\\\model.dlm",
        "model..dlm",
        ".hidden",
        "",
        "a b"
      })
  void a_name_that_could_leave_the_trial_folder_is_refused(String name) {
    assertThatThrownBy(() -> TrialFiles.artifactNamed(name))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("name");
  }

  @Test
  void a_symbolic_link_never_counts_as_a_trial_file(@TempDir Path home) throws Exception {
    TrialFiles files = new TrialFiles(new TrialDirectories(home, new TrialArtifactStore(null)));
    Path outside = Files.writeString(home.resolve("secret.txt"), "not an artifact");
    Path attempt1 = Files.createDirectories(home.resolve("trials/7/attempt-1"));
    Files.createSymbolicLink(attempt1.resolve(RunArtifact.MODEL.fileName()), outside);
    Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
    Files.writeString(elsewhere.resolve(RunArtifact.MODEL.fileName()), "not this trial's");
    Files.createSymbolicLink(home.resolve("trials/7/attempt-2"), elsewhere);
    Path attempt3 = Files.createDirectories(home.resolve("trials/7/attempt-3"));
    Files.writeString(attempt3.resolve(RunArtifact.CHECKPOINT.fileName()), "a real checkpoint");

    assertThat(files.exists(7, 1, RunArtifact.MODEL)).isFalse();
    assertThat(files.exists(7, 2, RunArtifact.MODEL)).isFalse();
    assertThat(files.exists(7, 3, RunArtifact.CHECKPOINT)).isTrue();
  }
}
