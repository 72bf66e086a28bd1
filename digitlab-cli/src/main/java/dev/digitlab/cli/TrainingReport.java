package dev.digitlab.cli;

import dev.digitlab.ml.eval.ClassMetrics;
import dev.digitlab.ml.eval.ClassificationReport;
import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.train.EpochMetrics;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingResult;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.ObjectMapper;

/** Formats a {@link TrainingResult} for people (a summary) or programs (one JSON object). */
final class TrainingReport {

  private static final ObjectMapper JSON = Json.mapper();

  private TrainingReport() {}

  /**
   * One JSON object with the PyTorch reference's keys ({@code model}, {@code images_per_second},
   * {@code train_seconds}, {@code test_accuracy}, …) plus Digit Lab's test metrics and config.
   */
  static String json(TrainingResult r) {
    TrainingConfig c = r.config();
    ClassificationReport test = r.test().report();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("impl", "digitlab");
    out.put("version", r.engine());
    out.put("threads", r.threads());
    out.put("single_thread_steps", r.singleThreadSteps());
    out.put("device", r.device());
    out.put("model", c.model().configName());
    out.put("optimizer", c.optimizer().configName());
    out.put("lr", c.learningRate());
    out.put("batch_size", c.batchSize());
    out.put("epochs", c.epochs());
    out.put("train_seconds", round(r.trainSeconds(), 3));
    out.put("epoch_seconds", r.epochs().stream().map(e -> round(e.seconds(), 3)).toList());
    out.put("images_per_second", round(r.imagesPerSecond(), 1));
    out.put("train_loss", r.epochs().stream().map(e -> round(e.trainLoss(), 5)).toList());
    out.put("train_accuracy", r.epochs().stream().map(EpochMetrics::trainAccuracy).toList());
    out.put(
        "validation_accuracy", r.epochs().stream().map(EpochMetrics::validationAccuracy).toList());
    out.put("test_accuracy", test.accuracy());
    out.put("test_loss", round(r.test().loss(), 5));
    out.put("test_precision_macro", test.macroPrecision());
    out.put("test_recall_macro", test.macroRecall());
    out.put("test_f1_macro", test.macroF1());
    out.put(
        "test_per_class",
        test.perClass().stream()
            .map(
                m ->
                    Map.of(
                        "class", m.classIndex(),
                        "precision", m.precision(),
                        "recall", m.recall(),
                        "f1", m.f1(),
                        "support", m.support()))
            .toList());
    out.put("confusion_matrix", test.confusionMatrix().toArray());
    out.put("misclassified", r.test().mistakes());
    out.put("resumed_from_epoch", r.resumedFromEpoch());
    out.put("config", c);
    try {
      return JSON.writeValueAsString(out);
    } catch (JacksonException e) {
      throw new IllegalStateException("cannot write the result as JSON", e);
    }
  }

  /** A summary a person reads: throughput, test metrics and the per-class table. */
  static void print(TrainingResult r, PrintWriter out) {
    TrainingConfig c = r.config();
    ClassificationReport test = r.test().report();
    out.printf(
        Locale.ROOT,
        "%nTrained %s on %s for %d epoch(s): %,.0f images/s over %.1f s of training (%s, %d"
            + " threads, %s)%n",
        c.model().configName(),
        c.dataset(),
        c.epochs(),
        r.imagesPerSecond(),
        r.trainSeconds(),
        r.device(),
        r.threads(),
        r.engine());
    out.printf(
        Locale.ROOT,
        "Test: accuracy %.2f%%  macro-F1 %.4f  loss %.4f  (%d of %d misclassified)%n%n",
        test.accuracy() * 100,
        test.macroF1(),
        r.test().loss(),
        r.test().mistakes(),
        test.confusionMatrix().total());
    out.println("class  precision  recall      f1  support");
    List<ClassMetrics> perClass = test.perClass();
    for (ClassMetrics m : perClass) {
      out.printf(
          Locale.ROOT,
          "%5d  %9.4f  %6.4f  %6.4f  %7d%n",
          m.classIndex(),
          m.precision(),
          m.recall(),
          m.f1(),
          m.support());
    }
  }

  private static double round(double value, int decimals) {
    double scale = Math.pow(10, decimals);
    return Math.round(value * scale) / scale;
  }
}
