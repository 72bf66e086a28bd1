package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.infer.ImagePreprocessor;
import dev.digitlab.ml.json.Json;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.trials.TrialStore;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.StringJoiner;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * ONNX models made outside Digit Lab ({@link TinyOnnx}: a linear classifier from known weights,
 * written by hand) imported over real HTTP, then served by ONNX Runtime through every serving path
 * — the predict API, KServe V2, MLflow's {@code /invocations}, the playground — with exactly the
 * numbers the weights give; promoted and rolled back like trained versions. Files that are not such
 * a model are refused with a 400 saying what was found, and nothing is stored.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OnnxImportTest {

  static final Path home = TestHomes.create("onnx-import");

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;

  /** ModelApi's browser-like client: its cookie carries the CSRF token the page forms post. */
  HttpClient http;

  ModelApi api;

  /** Images 0–255 as an outside client sends them: random ink on black. */
  final List<int[]> images = new ArrayList<>();

  @BeforeAll
  void images() {
    api = new ModelApi(port, experiments, trials);
    http = api.http;
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 6; i++) {
      int[] image = new int[784];
      for (int p = 0; p < 784; p++) {
        image[p] = random.nextInt(4) == 0 ? random.nextInt(256) : 0;
      }
      images.add(image);
    }
  }

  @Test
  void an_imported_model_answers_every_serving_path_with_the_numbers_its_weights_give()
      throws Exception {
    TinyOnnx model = new TinyOnnx(new long[] {-1, 1, 28, 28}, 10, 1, false);
    JsonNode version =
        api.ok(upload("/api/v1/models/outside/versions/import?pixels=0-1", model.bytes()));
    assertThat(version.get("version").asInt()).isEqualTo(1);
    assertThat(version.get("architecture").asString()).isEqualTo("onnx");
    JsonNode config = Json.mapper().readTree(version.get("config").asString());
    assertThat(config.get("inputShape").asString()).isEqualTo("[-1,1,28,28]");
    assertThat(config.get("pixels").asString()).isEqualTo("0-1");
    assertThat(api.promote("outside", "production", 1).statusCode()).isEqualTo(200);

    List<float[]> expected = new ArrayList<>();
    for (int[] image : images) {
      float[] x = new float[784];
      for (int p = 0; p < 784; p++) {
        x[p] = image[p] / 255f;
      }
      expected.add(Probabilities.softmax(model.logits(x)));
    }

    // The native predict API, one image at a time and as a batch.
    for (int i = 0; i < images.size(); i++) {
      JsonNode answer =
          api.ok(
              api.send("POST", "/api/v1/models/outside/predict", "{\"pixels\":" + list(i) + "}"));
      assertThat(answer.get("version").asInt()).isEqualTo(1);
      float[] seen = expectedFromPredict(model, i, OnnxClassifierScale.UNIT);
      assertProbabilities(answer.get("probabilities"), seen);
      assertThat(answer.get("digit").asInt()).isEqualTo(Probabilities.argmax(seen, 0, 10));
    }

    // KServe V2: one FP32 tensor of the whole batch.
    StringJoiner flat = new StringJoiner(",", "[", "]");
    for (int i = 0; i < images.size(); i++) {
      for (int value : images.get(i)) {
        flat.add(value + ".0");
      }
    }
    JsonNode v2 =
        api.ok(
            api.send(
                "POST",
                "/v2/models/outside/infer",
                "{\"inputs\":[{\"name\":\"pixels\",\"shape\":["
                    + images.size()
                    + ",1,28,28],\"datatype\":\"FP32\",\"data\":"
                    + flat
                    + "}]}"));
    JsonNode probabilities = v2.get("outputs").get(0).get("data");
    for (int i = 0; i < images.size(); i++) {
      for (int c = 0; c < 10; c++) {
        assertThat(probabilities.get(i * 10 + c).asDouble())
            .isCloseTo(expected.get(i)[c], Offset.offset(1e-5));
      }
    }

    // MLflow's scoring protocol.
    StringJoiner rows = new StringJoiner(",", "[", "]");
    for (int i = 0; i < images.size(); i++) {
      rows.add(list(i));
    }
    JsonNode invocations =
        api.ok(api.send("POST", "/invocations?model=outside", "{\"inputs\":" + rows + "}"));
    for (int i = 0; i < images.size(); i++) {
      JsonNode prediction = invocations.get("predictions").get(i);
      assertThat(prediction.get("digit").asInt())
          .isEqualTo(Probabilities.argmax(expected.get(i), 0, 10));
      assertProbabilities(prediction.get("probabilities"), expected.get(i));
    }

    // The playground offers it, and the file downloads back as it came.
    HttpResponse<String> playground = api.get("/playground?model=outside");
    assertThat(playground.statusCode()).isEqualTo(200);
    assertThat(playground.body()).contains("outside");
    HttpResponse<byte[]> download =
        http.send(
            HttpRequest.newBuilder(api.uri("/api/v1/models/outside/versions/1/download")).build(),
            BodyHandlers.ofByteArray());
    assertThat(download.body()).isEqualTo(model.bytes());
    HttpResponse<String> dlm = api.get("/api/v1/models/outside/versions/1/download?format=dlm");
    assertThat(dlm.statusCode()).isEqualTo(404);
    assertThat(dlm.body()).contains("imported from an ONNX file");
  }

  @Test
  void a_flat_input_with_a_softmax_and_mnist_normalisation_uploaded_from_a_form() throws Exception {
    TinyOnnx model = new TinyOnnx(new long[] {-1, 784}, 10, 2, true);
    JsonNode version =
        api.ok(
            multipart(
                "/api/v1/models/flat/versions/import",
                model.bytes(),
                "pixels",
                "mnist",
                "outputs",
                "probabilities"));
    assertThat(version.get("version").asInt()).isEqualTo(1);
    for (int i = 0; i < 3; i++) {
      float[] expected = expectedFromPredict(model, i, OnnxClassifierScale.MNIST);
      JsonNode answer =
          api.ok(
              api.send(
                  "POST", "/api/v1/models/flat/predict?version=1", "{\"pixels\":" + list(i) + "}"));
      assertProbabilities(answer.get("probabilities"), expected);
    }
  }

  @Test
  void imported_versions_are_promoted_and_rolled_back_like_trained_ones() throws Exception {
    TinyOnnx first = new TinyOnnx(new long[] {-1, 28, 28}, 10, 3, false);
    TinyOnnx second = new TinyOnnx(new long[] {1, 784}, 10, 4, false);
    api.ok(upload("/api/v1/models/rolling/versions/import", first.bytes()));
    api.ok(upload("/api/v1/models/rolling/versions/import", second.bytes()));
    api.ok(api.promote("rolling", "production", 1));
    api.ok(api.promote("rolling", "production", 2));
    float[] secondAnswer = probabilities("rolling");
    JsonNode back = api.ok(api.rollback("rolling", "production"));
    assertThat(back.get("version").asInt()).isEqualTo(1);
    float[] firstAnswer = probabilities("rolling");
    float[] firstExpected = expectedFromPredict(first, 0, OnnxClassifierScale.RAW);
    float[] secondExpected = expectedFromPredict(second, 0, OnnxClassifierScale.RAW);
    for (int c = 0; c < 10; c++) {
      assertThat(firstAnswer[c]).isCloseTo(firstExpected[c], Offset.offset(1e-5f));
      assertThat(secondAnswer[c]).isCloseTo(secondExpected[c], Offset.offset(1e-5f));
    }
    JsonNode audit = api.ok(api.get("/api/v1/models/rolling/audit"));
    assertThat(audit.toString()).contains("imported", "rolled-back");
  }

  @Test
  void files_that_are_not_a_digit_classifier_are_refused_saying_why_and_nothing_is_stored()
      throws Exception {
    assertRefused(
        upload("/api/v1/models/bad/versions/import", "not an onnx file".getBytes()),
        "is not an ONNX model ONNX Runtime can load");
    assertRefused(
        upload(
            "/api/v1/models/bad/versions/import",
            new TinyOnnx(new long[] {-1, 784}, 5, 5, false).bytes()),
        "'y' float[-1,5]");
    assertRefused(upload("/api/v1/models/bad/versions/import", new byte[0]), "is empty");
    byte[] good = new TinyOnnx(new long[] {-1, 784}, 10, 6, false).bytes();
    assertRefused(
        upload("/api/v1/models/bad/versions/import?pixels=0-65535", good), "0-255, 0-1 or mnist");
    assertRefused(
        upload("/api/v1/models/bad/versions/import?outputs=probabilities", good),
        "not a probability");
    assertRefused(upload("/api/v1/models/Bad!/versions/import", good), "a model name is");
    assertRefused(
        multipart("/api/v1/models/bad/versions/import", null, "pixels", "0-1"), "part 'file'");

    assertThat(api.get("/api/v1/models/bad").statusCode()).isEqualTo(404);
    Path registry = home.resolve("registry").resolve("bad");
    assertThat(Files.exists(registry) ? Files.list(registry).toList() : List.of()).isEmpty();
  }

  @Test
  void the_models_page_imports_a_file_and_says_what_it_refused() throws Exception {
    assertThat(api.get("/models").body()).contains("Import an ONNX model");
    byte[] good = new TinyOnnx(new long[] {-1, 784}, 10, 8, false).bytes();
    HttpResponse<String> imported =
        pageForm(good, "name", "paged-import", "pixels", "0-1", "outputs", "logits");
    assertThat(imported.statusCode()).as(imported.body()).isEqualTo(302);
    assertThat(api.get("/models").body())
        .contains("Imported the ONNX model as paged-import v1.")
        .contains("model-paged-import");

    byte[] wrong = new TinyOnnx(new long[] {-1, 784}, 3, 9, false).bytes();
    assertThat(pageForm(wrong, "name", "paged-import").statusCode()).isEqualTo(302);
    assertThat(api.get("/models").body()).contains("float[-1,3]");
    assertThat(api.ok(api.get("/api/v1/models/paged-import")).get("versions")).hasSize(1);
  }

  /** The models page's form, as a browser posts it: multipart, with the page's CSRF token. */
  private HttpResponse<String> pageForm(byte[] onnx, String... fields) throws Exception {
    java.util.regex.Matcher token =
        java.util.regex.Pattern.compile("name=\"_csrf\" content=\"([^\"]+)\"")
            .matcher(api.get("/models").body());
    String[] withToken = java.util.Arrays.copyOf(fields, fields.length + 2);
    if (token.find()) {
      withToken[fields.length] = "_csrf";
      withToken[fields.length + 1] = token.group(1);
    } else {
      withToken = fields;
    }
    return multipart("/models/import", onnx, withToken);
  }

  private void assertRefused(HttpResponse<String> response, String message) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type").orElse(""))
        .startsWith("application/problem+json");
    assertThat(response.body()).contains(message);
  }

  private float[] probabilities(String model) throws Exception {
    JsonNode answer =
        api.ok(
            api.send(
                "POST", "/api/v1/models/" + model + "/predict", "{\"pixels\":" + list(0) + "}"));
    float[] p = new float[10];
    for (int c = 0; c < 10; c++) {
      p[c] = (float) answer.get("probabilities").get(c).asDouble();
    }
    return p;
  }

  /**
   * What the model answers for an image sent to the predict API, which puts pixel values into MNIST
   * form first (centred by mass, as every upload); the standard protocols take tensors as they are.
   */
  private float[] expectedFromPredict(TinyOnnx model, int image, OnnxClassifierScale scale) {
    byte[] mnist = ImagePreprocessor.fromPixels(images.get(image));
    float[] x = new float[784];
    for (int p = 0; p < 784; p++) {
      x[p] = scale.apply(mnist[p] & 0xFF);
    }
    return Probabilities.softmax(model.logits(x));
  }

  /** The pixel scalings the tests use. */
  private enum OnnxClassifierScale {
    RAW,
    UNIT,
    MNIST;

    float apply(int pixel) {
      return switch (this) {
        case RAW -> pixel;
        case UNIT -> pixel / 255f;
        case MNIST -> (pixel / 255f - 0.1307f) / 0.3081f;
      };
    }
  }

  private static void assertProbabilities(JsonNode actual, float[] expected) {
    assertThat(actual).hasSize(10);
    for (int c = 0; c < 10; c++) {
      assertThat(actual.get(c).asDouble()).isCloseTo(expected[c], Offset.offset(1e-5));
    }
  }

  private String list(int image) {
    StringJoiner values = new StringJoiner(",", "[", "]");
    for (int value : images.get(image)) {
      values.add(Integer.toString(value));
    }
    return values.toString();
  }

  private HttpResponse<String> upload(String path, byte[] onnx) throws Exception {
    return http.send(
        HttpRequest.newBuilder(api.uri(path))
            .header("Content-Type", "application/octet-stream")
            .POST(BodyPublishers.ofByteArray(onnx))
            .build(),
        BodyHandlers.ofString());
  }

  private HttpResponse<String> multipart(String path, byte[] onnx, String... fields)
      throws Exception {
    String boundary = "onnx-import-boundary";
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (int i = 0; i < fields.length; i += 2) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\""
                  + fields[i]
                  + "\"\r\n\r\n"
                  + fields[i + 1]
                  + "\r\n")
              .getBytes(StandardCharsets.UTF_8));
    }
    if (onnx != null) {
      body.writeBytes(
          ("--"
                  + boundary
                  + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"m.onnx\"\r\n"
                  + "Content-Type: application/octet-stream\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      body.writeBytes(onnx);
      body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    return http.send(
        HttpRequest.newBuilder(api.uri(path))
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(BodyPublishers.ofByteArray(body.toByteArray()))
            .build(),
        BodyHandlers.ofString());
  }
}
