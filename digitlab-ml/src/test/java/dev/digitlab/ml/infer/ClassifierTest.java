package dev.digitlab.ml.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.data.DatasetSplits;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.train.DeviceChoice;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.Trainer;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.ml.train.TrainingListener;
import dev.digitlab.ml.train.TrainingOutputs;
import dev.digitlab.ml.train.TrainingResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassifierTest {

  private static final int TEST_IMAGES = 500;

  @TempDir static Path dir;

  static Path modelFile;
  static ImageSet test;
  static TrainingResult trained;

  @BeforeAll
  static void trainATinyMlp() {
    ImageSet train = DatasetSplits.stratifiedSubset(MnistSamples.train(), 6000, 1);
    test = MnistSamples.test().select(range(TEST_IMAGES));
    modelFile = dir.resolve("model.dlm");
    TrainingConfig config =
        TrainingConfig.builder()
            .model(ModelKind.MLP)
            .hiddenSizes(List.of(64))
            .epochs(2)
            .device(DeviceChoice.CPU)
            .seed(3)
            .build();
    trained =
        Trainer.train(
            config,
            new TrainingData(train, null, test),
            TrainingListener.NONE,
            () -> false,
            new TrainingOutputs(null, null, modelFile));
  }

  @Test
  void a_loaded_model_predicts_raw_images_exactly_as_the_trainer_evaluated_them() {
    try (Classifier classifier = Classifier.load(modelFile)) {
      List<byte[]> images = new ArrayList<>();
      for (int i = 0; i < TEST_IMAGES; i++) {
        images.add(MnistSamples.image(test, i));
      }
      List<Prediction> predictions = classifier.predict(images);

      int correct = 0;
      for (int i = 0; i < TEST_IMAGES; i++) {
        Prediction p = predictions.get(i);
        correct += p.digit() == test.label(i) ? 1 : 0;
        double sum = 0;
        for (float probability : p.probabilities()) {
          sum += probability;
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
      }
      // Same weights, same normalisation: the same accuracy, to the image.
      assertThat(correct / (double) TEST_IMAGES).isEqualTo(trained.test().accuracy());
      assertThat(classifier.config().hiddenSizes()).containsExactly(64);
    }
  }

  @Test
  void a_digit_drawn_large_in_black_on_white_gets_the_raw_digits_answer() {
    ImageDecoder decoder = new ImageDecoder(10_000_000, 10_000_000);
    try (Classifier classifier = Classifier.load(modelFile)) {
      int same = 0;
      int n = 100;
      for (int i = 0; i < n; i++) {
        byte[] raw = MnistSamples.image(test, i);
        byte[] png = MnistSamples.png(MnistSamples.onWhite(raw, 12, 400, 360, 40, 10));
        Prediction fromPng = classifier.predict(ImagePreprocessor.fromImage(decoder.decode(png)));
        same += fromPng.digit() == classifier.predict(raw).digit() ? 1 : 0;
      }
      assertThat(same).isGreaterThanOrEqualTo(95);
    }
  }

  @Test
  void concurrent_callers_get_the_answers_a_single_caller_gets() throws Exception {
    try (Classifier classifier = Classifier.load(modelFile);
        ExecutorService pool = Executors.newFixedThreadPool(4)) {
      int[] expected = new int[50];
      for (int i = 0; i < expected.length; i++) {
        expected[i] = classifier.predict(MnistSamples.image(test, i)).digit();
      }
      List<Future<Integer>> answers = new ArrayList<>();
      for (int round = 0; round < 8; round++) {
        for (int i = 0; i < expected.length; i++) {
          byte[] image = MnistSamples.image(test, i);
          answers.add(pool.submit(() -> classifier.predict(image).digit()));
        }
      }
      for (int k = 0; k < answers.size(); k++) {
        assertThat(answers.get(k).get()).isEqualTo(expected[k % expected.length]);
      }
    }
  }

  @Test
  void a_file_that_is_not_a_model_is_refused() throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.dlm"), "not a model");
    assertThatThrownBy(() -> Classifier.load(junk))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a Digit Lab checkpoint");
  }

  private static int[] range(int n) {
    int[] indices = new int[n];
    for (int i = 0; i < n; i++) {
      indices[i] = i;
    }
    return indices;
  }
}
