package dev.digitlab.server.trials;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.worker.run.RunArtifact;
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
}
