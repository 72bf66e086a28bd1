package dev.digitlab.ml.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.digitlab.ml.data.DatasetSplits;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.train.DeviceChoice;
import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.Trainer;
import dev.digitlab.ml.train.TrainingConfig;
import dev.digitlab.ml.train.TrainingData;
import dev.digitlab.ml.train.TrainingListener;
import dev.digitlab.ml.train.TrainingOutputs;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The plain-Java MLP forward pass against DJL's, on real MNIST test images and trained weights. */
class MlpForwardTest {

  private static final int IMAGES = 200;

  @TempDir static Path dir;

  static ImageSet train;
  static List<byte[]> images;

  @BeforeAll
  static void readMnist() {
    train = DatasetSplits.stratifiedSubset(MnistSamples.train(), 2000, 1);
    ImageSet test = MnistSamples.test();
    images = new ArrayList<>();
    for (int i = 0; i < IMAGES; i++) {
      images.add(MnistSamples.image(test, i));
    }
  }

  @ParameterizedTest
  @CsvSource({"RELU, 0.0", "TANH, 0.0", "SIGMOID, 0.0", "GELU, 0.0", "RELU, 0.3", "GELU, 0.2"})
  void java_probabilities_equal_djl_within_1e_5(Activation activation, double dropout) {
    TrainingConfig config =
        TrainingConfig.builder()
            .model(ModelKind.MLP)
            .hiddenSizes(List.of(48, 24))
            .activation(activation)
            .dropout(dropout)
            .epochs(2)
            .device(DeviceChoice.CPU)
            .seed(5)
            .build();
    try (Classifier classifier = Classifier.load(train(config, activation + "-" + dropout))) {
      assertThat(classifier.hasJavaForwardPass()).isTrue();
      List<Prediction> djl = classifier.predictWithDjl(images);
      List<Prediction> java = new ArrayList<>();
      for (byte[] image : images) {
        java.add(classifier.predict(image));
      }
      // A small batch takes the Java path too, and answers as image by image.
      List<Prediction> batch = classifier.predict(images.subList(0, Classifier.JAVA_MAX_BATCH));
      for (int i = 0; i < IMAGES; i++) {
        float[] expected = djl.get(i).probabilities();
        assertThat(java.get(i).probabilities()).containsExactly(expected, within(1e-5f));
        assertThat(java.get(i).digit()).isEqualTo(djl.get(i).digit());
        if (i < batch.size()) {
          assertThat(batch.get(i).probabilities())
              .containsExactly(java.get(i).probabilities(), within(0f));
        }
      }
      // The answers depend on the image (trained weights, not a constant output), so the
      // comparison covers more than one near-uniform distribution.
      assertThat(java.stream().map(Prediction::digit).distinct().count()).isGreaterThan(2);
    }
  }

  @Test
  void lenet5_has_no_java_pass_and_still_predicts_through_djl() {
    TrainingConfig config =
        TrainingConfig.builder()
            .model(ModelKind.LENET5)
            .epochs(1)
            .device(DeviceChoice.CPU)
            .seed(5)
            .build();
    try (Classifier classifier = Classifier.load(train(config, "lenet5"))) {
      assertThat(classifier.hasJavaForwardPass()).isFalse();
      assertThat(classifier.predict(images.getFirst()).probabilities())
          .containsExactly(
              classifier.predictWithDjl(List.of(images.getFirst())).getFirst().probabilities(),
              within(0f));
    }
  }

  @Test
  void erfc_matches_reference_values() {
    // erfc(x) from tables (Abramowitz & Stegun 7.1), to 1e-7 relative.
    double[][] cases = {
      {0, 1}, {0.5, 0.4795001222}, {1, 0.1572992071}, {2, 0.004677734981}, {-1, 1.8427007929}
    };
    for (double[] c : cases) {
      assertThat(MlpForward.erfc(c[0])).isCloseTo(c[1], within(2e-7 * c[1] + 1e-12));
    }
  }

  private static Path train(TrainingConfig config, String name) {
    Path file = dir.resolve(name + ".dlm");
    Trainer.train(
        config,
        new TrainingData(train, null, train),
        TrainingListener.NONE,
        () -> false,
        new TrainingOutputs(null, null, file));
    return file;
  }
}
