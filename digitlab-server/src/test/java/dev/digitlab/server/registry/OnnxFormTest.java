package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.server.serving.ServedModels;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Every recipe's registered version has an ONNX form, written and checked at registration, whose
 * outputs, run by ONNX Runtime on 100 real MNIST test digits, equal the predictions Digit Lab
 * serves within 1e-5; the download API gives it, and the {@code .dlm} with its registered digest.
 */
class OnnxFormTest extends TrainingServerTest {

  static final Path home = TestHomes.create("onnx");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
  }

  @Autowired ServedModels served;

  @ParameterizedTest
  @ValueSource(strings = {"mlp", "cnn", "lenet5"})
  void the_onnx_form_of_each_recipe_predicts_what_digit_lab_serves(String recipe) throws Exception {
    long trial =
        api.trainedTrial(
            "name: onnx-"
                + recipe
                + "\nconfig: {model: "
                + recipe
                + ", epochs: 1, seed: 5, trainSubset: 2000, validationRatio: 0}\n");
    String model = "onnx-" + recipe;
    int version = api.register(model, trial).get("version").asInt();
    assertThat(
            Files.isRegularFile(home.resolve("registry/" + model + "/v" + version + "/model.onnx")))
        .as("written at registration")
        .isTrue();

    HttpResponse<byte[]> download =
        api.http.send(
            HttpRequest.newBuilder(
                    api.uri("/api/v1/models/" + model + "/versions/" + version + "/download"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(download.statusCode()).isEqualTo(200);
    assertThat(download.headers().firstValue("Content-Disposition").orElseThrow())
        .contains(model + "-v" + version + ".onnx");

    int n = 100;
    List<byte[]> images = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      images.add(Arrays.copyOfRange(test.pixels(), i * 784, (i + 1) * 784));
    }
    List<Prediction> expected = served.byVersion(model, version).classifier().predict(images);
    float[] logits = onnxRuntime(download.body(), images);
    double largest = 0;
    for (int i = 0; i < n; i++) {
      float[] p = Probabilities.softmax(logits, i * 10, 10);
      assertThat(Probabilities.argmax(p, 0, 10)).isEqualTo(expected.get(i).digit());
      for (int c = 0; c < 10; c++) {
        largest = Math.max(largest, Math.abs(p[c] - expected.get(i).probabilities()[c]));
      }
    }
    assertThat(largest).as(recipe + ": largest probability difference").isLessThanOrEqualTo(1e-5);
  }

  @Test
  void the_dlm_downloads_with_its_registered_digest_and_bad_formats_are_refused() throws Exception {
    long trial =
        api.trainedTrial(
            "name: onnx-dlm\nconfig: {model: mlp, epochs: 1, seed: 6, hiddenSizes: [16],"
                + " trainSubset: 1000, validationRatio: 0}\n");
    JsonNode version = api.register("onnx-dlm", trial);
    HttpResponse<byte[]> dlm =
        api.http.send(
            HttpRequest.newBuilder(
                    api.uri("/api/v1/models/onnx-dlm/versions/1/download?format=dlm"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(dlm.statusCode()).isEqualTo(200);
    assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(dlm.body())))
        .isEqualTo(version.get("artifactSha256").asString());

    HttpResponse<String> badFormat =
        api.get("/api/v1/models/onnx-dlm/versions/1/download?format=pt");
    assertThat(badFormat.statusCode()).isEqualTo(400);
    assertThat(badFormat.body()).contains("onnx or dlm");
    assertThat(api.get("/api/v1/models/onnx-dlm/versions/7/download").statusCode()).isEqualTo(404);
  }

  private static float[] onnxRuntime(byte[] onnx, List<byte[]> images) throws Exception {
    int n = images.size();
    float[] pixels = new float[n * 784];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < 784; p++) {
        pixels[i * 784 + p] = images.get(i)[p] & 0xFF;
      }
    }
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    try (OrtSession session = environment.createSession(onnx, new OrtSession.SessionOptions());
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
