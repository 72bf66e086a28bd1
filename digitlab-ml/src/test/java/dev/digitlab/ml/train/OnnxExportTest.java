package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.data.LoadedDataset;
import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.export.OnnxExport;
import dev.digitlab.ml.model.Activation;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ONNX file of a trained model, run by ONNX Runtime for Java, predicts what the DJL model
 * predicts, on 1,000 MNIST test images (from the data home when it has MNIST, else 1,000 synthetic
 * digits), for each architecture.
 */
class OnnxExportTest {

  private static final Path MNIST =
      (System.getenv("DIGITLAB_HOME") != null
              ? Path.of(System.getenv("DIGITLAB_HOME"))
              : Path.of(System.getProperty("user.home"), ".digitlab"))
          .resolve("datasets/mnist");

  static Stream<TrainingConfig.Builder> models() {
    return Stream.of(
        base().model(ModelKind.MLP).hiddenSizes(List.of(32, 16)),
        base().model(ModelKind.MLP).hiddenSizes(List.of(32)).activation(Activation.GELU),
        base()
            .model(ModelKind.CNN)
            .channels(List.of(4, 8))
            .denseUnits(16)
            .batchNorm(true)
            .activation(Activation.TANH),
        base().model(ModelKind.LENET5),
        // No convolution bias, batch norm, pool before ReLU: the recipe's own batch and schedule.
        TrainingConfig.builder().model(ModelKind.FAST).epochs(1).device(DeviceChoice.CPU).seed(3));
  }

  private static TrainingConfig.Builder base() {
    return TrainingConfig.builder().epochs(1).batchSize(32).device(DeviceChoice.CPU).seed(3);
  }

  @ParameterizedTest
  @MethodSource("models")
  void onnx_runtime_predicts_what_the_djl_model_predicts(
      TrainingConfig.Builder builder, @TempDir Path dir) throws Exception {
    TrainingConfig config = builder.build();
    Path model = dir.resolve("model.dlm");
    Trainer.train(
        config,
        SyntheticDigits.data(600, 10),
        TrainingListener.NONE,
        () -> false,
        new TrainingOutputs(null, null, model));
    Path onnx = dir.resolve("model.onnx");
    OnnxExport.export(model, onnx);
    ImageSet images = testImages();

    float[] djl = ModelBenchmark.probabilities(model, images);
    float[] ort = onnxRuntimeLogits(onnx, images);

    int n = images.size();
    int k = 10;
    assertThat(n).isEqualTo(1000);
    int agreeing = 0;
    double largestDifference = 0;
    for (int i = 0; i < n; i++) {
      float[] p = Probabilities.softmax(ort, i * k, k);
      if (Probabilities.argmax(p, 0, k) == Probabilities.argmax(djl, i * k, k)) {
        agreeing++;
      }
      for (int c = 0; c < k; c++) {
        largestDifference = Math.max(largestDifference, Math.abs(p[c] - djl[i * k + c]));
      }
    }
    assertThat(agreeing).as(config.model() + " predictions equal").isEqualTo(n);
    assertThat(largestDifference).as(config.model() + " probabilities").isLessThan(1e-4);
  }

  private static ImageSet testImages() {
    ImageSet test =
        Files.isDirectory(MNIST)
            ? LoadedDataset.read(DatasetId.MNIST.spec(), MNIST).test()
            : SyntheticDigits.generate(1000, 5);
    return test.select(IntStream.range(0, 1000).toArray());
  }

  static float[] onnxRuntimeLogits(Path onnx, ImageSet images) throws Exception {
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    int n = images.size();
    float[] pixels = new float[n * 784];
    byte[] bytes = images.pixels();
    for (int i = 0; i < pixels.length; i++) {
      pixels[i] = bytes[i] & 0xFF;
    }
    try (OrtSession session =
            environment.createSession(onnx.toString(), new OrtSession.SessionOptions());
        OnnxTensor input =
            OnnxTensor.createTensor(
                environment, FloatBuffer.wrap(pixels), new long[] {n, 1, 28, 28});
        OrtSession.Result result = session.run(Map.of("pixels", input))) {
      float[][] logits = (float[][]) result.get("logits").orElseThrow().getValue();
      float[] flat = new float[n * 10];
      for (int i = 0; i < n; i++) {
        System.arraycopy(logits[i], 0, flat, i * 10, 10);
      }
      return flat;
    }
  }
}
