package dev.digitlab.worker.run;

import dev.digitlab.ml.eval.ClassMetrics;
import dev.digitlab.ml.eval.ClassificationReport;
import dev.digitlab.ml.eval.ConfusionMatrix;
import dev.digitlab.ml.eval.Misclassified;
import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.TestMetrics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import tools.jackson.databind.ObjectWriter;

/** Writes the test phase's confusion matrix, per-class metrics and mistakes as JSON files. */
final class TestReports {

  private static final ObjectWriter JSON = Json.pretty();

  /** {@code counts[actual][predicted]}. */
  record ConfusionMatrixFile(int classes, int[][] counts) {}

  record PerClassFile(
      double accuracy,
      double macroPrecision,
      double macroRecall,
      double macroF1,
      double weightedPrecision,
      double weightedRecall,
      double weightedF1,
      List<ClassMetrics> classes) {}

  /**
   * @param mistakes every misclassified test image; {@code examples} may keep fewer
   */
  record MisclassifiedFile(long mistakes, List<Misclassified> examples) {}

  private TestReports() {}

  static void writeConfusionMatrix(TestMetrics test, Path file) {
    ConfusionMatrix matrix = test.report().confusionMatrix();
    write(file, new ConfusionMatrixFile(matrix.numClasses(), matrix.toArray()));
  }

  static void writePerClass(TestMetrics test, Path file) {
    ClassificationReport r = test.report();
    write(
        file,
        new PerClassFile(
            r.accuracy(),
            r.macroPrecision(),
            r.macroRecall(),
            r.macroF1(),
            r.weightedPrecision(),
            r.weightedRecall(),
            r.weightedF1(),
            r.perClass()));
  }

  static void writeMisclassified(TestMetrics test, Path file) {
    write(file, new MisclassifiedFile(test.mistakes(), test.misclassified()));
  }

  // Through a temporary file, as checkpoints are: an uploader never sees half a report.
  private static void write(Path file, Object value) {
    try {
      Path temp =
          Files.createTempFile(
              file.toAbsolutePath().getParent(), file.getFileName().toString(), ".tmp");
      try {
        JSON.writeValue(temp.toFile(), value);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("could not write " + file + ": " + e, e);
    }
  }
}
