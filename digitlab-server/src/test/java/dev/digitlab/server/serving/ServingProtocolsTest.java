package dev.digitlab.server.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.IdxReader;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.server.experiments.ExperimentStatus;
import dev.digitlab.server.experiments.ExperimentStore;
import dev.digitlab.server.testing.MnistDataHome;
import dev.digitlab.server.trials.TrialStore;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.StringJoiner;
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
import tools.jackson.databind.json.JsonMapper;

/**
 * The standard serving protocols over real HTTP, with a model the embedded worker trains on real
 * MNIST: KServe V2 (Open Inference Protocol) and MLflow's {@code /invocations}, answered as their
 * specs say — including their error shapes — with the predictions of the model Digit Lab serves,
 * and counted in the per-model Prometheus metrics. The request bodies are the ones KServe's and
 * Triton's Python clients and MLflow's {@code predict} send.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServingProtocolsTest {

  static final Path home = home();

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.data-home", MnistDataHome.PATH::toString);
    properties.add("digitlab.worker.slots", () -> "1");
  }

  @Value("${local.server.port}")
  int port;

  @Autowired ExperimentStore experiments;
  @Autowired TrialStore trials;
  @Autowired ServedModels served;

  final HttpClient http = HttpClient.newHttpClient();
  final JsonMapper json = JsonMapper.builder().build();
  ImageSet test;

  @BeforeAll
  void trainAndRegister() throws Exception {
    MnistDataHome.assumeFetched();
    Path dir = MnistDataHome.PATH.resolve("datasets/mnist");
    test =
        IdxReader.read(
            dir.resolve("t10k-images-idx3-ubyte"), dir.resolve("t10k-labels-idx1-ubyte"));
    long experiment =
        ok(send(
                "POST",
                "/api/v1/experiments",
                "application/yaml",
                "name: protocols\nconfig: {model: mlp, epochs: 1, seed: 4, hiddenSizes: [64],"
                    + " trainSubset: 6000, validationRatio: 0}\n"))
            .get("id")
            .asLong();
    Instant deadline = Instant.now().plus(Duration.ofMinutes(10));
    while (experiments.find(experiment).orElseThrow().status() != ExperimentStatus.SUCCEEDED) {
      assertThat(experiments.find(experiment).orElseThrow().status())
          .isNotEqualTo(ExperimentStatus.FAILED);
      assertThat(Instant.now()).isBefore(deadline);
      Thread.sleep(100);
    }
    long trial = trials.listByExperiment(experiment).getFirst().id();
    ok(send("POST", "/api/v1/models/digits/versions", "{\"trialId\":" + trial + "}"));
    ok(send("PUT", "/api/v1/models/digits/aliases/production", "{\"version\":1}"));
  }

  // ---------------------------------------------------------------- KServe V2

  @Test
  void health_and_metadata_answer_as_the_open_inference_protocol_says() throws Exception {
    assertThat(ok(get("/v2/health/live")).get("live").asBoolean()).isTrue();
    assertThat(ok(get("/v2/health/ready")).get("ready").asBoolean()).isTrue();
    assertThat(ok(get("/v2")).get("name").asString()).isEqualTo("digitlab");

    JsonNode metadata = ok(get("/v2/models/digits"));
    assertThat(metadata.get("name").asString()).isEqualTo("digits");
    assertThat(metadata.get("versions").get(0).asString()).isEqualTo("1");
    assertThat(metadata.get("inputs").get(0).get("datatype").asString()).isEqualTo("FP32");
    assertThat(metadata.get("inputs").get(0).get("shape").toString()).isEqualTo("[-1,1,28,28]");
    assertThat(metadata.get("outputs").get(0).get("name").asString()).isEqualTo("probabilities");
    assertThat(ok(get("/v2/models/digits/versions/1")).get("versions").toString())
        .isEqualTo("[\"1\"]");

    JsonNode ready = ok(get("/v2/models/digits/ready"));
    assertThat(ready.get("name").asString()).isEqualTo("digits");
    assertThat(ready.get("ready").asBoolean()).isTrue();
    assertThat(ok(get("/v2/models/digits/versions/1/ready")).get("ready").asBoolean()).isTrue();

    for (String path :
        List.of(
            "/v2/models/nope",
            "/v2/models/nope/ready",
            "/v2/models/digits/versions/9",
            "/v2/models/digits/versions/x/ready")) {
      HttpResponse<String> missing = get(path);
      assertThat(missing.statusCode()).as(path).isEqualTo(404);
      assertThat(json.readTree(missing.body()).get("error").asString()).as(path).isNotBlank();
    }
  }

  @Test
  void fp32_json_tensors_get_the_served_models_probabilities() throws Exception {
    int n = 20;
    String body =
        "{\"id\":\"req-1\",\"inputs\":[{\"name\":\"pixels\",\"shape\":["
            + n
            + ",1,28,28],\"datatype\":\"FP32\",\"data\":"
            + flat(0, n, true)
            + "}]}";
    JsonNode answer = ok(send("POST", "/v2/models/digits/infer", "application/json", body));
    assertThat(answer.get("model_name").asString()).isEqualTo("digits");
    assertThat(answer.get("model_version").asString()).isEqualTo("1");
    assertThat(answer.get("id").asString()).isEqualTo("req-1");
    JsonNode probabilities = answer.get("outputs").get(0);
    assertThat(probabilities.get("name").asString()).isEqualTo("probabilities");
    assertThat(probabilities.get("datatype").asString()).isEqualTo("FP32");
    assertThat(probabilities.get("shape").toString()).isEqualTo("[" + n + ",10]");
    JsonNode digits = answer.get("outputs").get(1);
    assertThat(digits.get("datatype").asString()).isEqualTo("INT64");

    List<Prediction> expected = served.byVersion("digits", 1).classifier().predict(images(0, n));
    int correct = 0;
    for (int i = 0; i < n; i++) {
      assertThat(digits.get("data").get(i).asInt()).isEqualTo(expected.get(i).digit());
      for (int c = 0; c < 10; c++) {
        assertThat(probabilities.get("data").get(i * 10 + c).asDouble())
            .isCloseTo(
                expected.get(i).probabilities()[c], org.assertj.core.data.Offset.offset(1e-6));
      }
      correct += expected.get(i).digit() == test.label(i) ? 1 : 0;
    }
    assertThat(correct).as("a trained model, not noise").isGreaterThanOrEqualTo(15);
  }

  @Test
  void uint8_nested_data_and_a_named_version_give_the_same_digits() throws Exception {
    int n = 3;
    StringJoiner images = new StringJoiner(",", "[", "]");
    for (int i = 0; i < n; i++) {
      StringJoiner rows = new StringJoiner(",", "[", "]");
      for (int r = 0; r < 28; r++) {
        StringJoiner row = new StringJoiner(",", "[", "]");
        for (int c = 0; c < 28; c++) {
          row.add(Integer.toString(test.pixels()[i * 784 + r * 28 + c] & 0xFF));
        }
        rows.add(row.toString());
      }
      images.add(rows.toString());
    }
    String body =
        "{\"inputs\":[{\"name\":\"pixels\",\"shape\":[3,28,28],\"datatype\":\"UINT8\",\"data\":"
            + images
            + "}],\"outputs\":[{\"name\":\"digit\"}]}";
    JsonNode answer =
        ok(send("POST", "/v2/models/digits/versions/1/infer", "application/json", body));
    assertThat(answer.get("outputs")).hasSize(1);
    List<Prediction> expected = served.byVersion("digits", 1).classifier().predict(images(0, n));
    for (int i = 0; i < n; i++) {
      assertThat(answer.get("outputs").get(0).get("data").get(i).asInt())
          .isEqualTo(expected.get(i).digit());
    }
  }

  /** Triton's Python client sends tensors as binary data after the JSON header by default. */
  @Test
  void binary_tensor_extension_in_and_out() throws Exception {
    int n = 4;
    ByteBuffer tensor = ByteBuffer.allocate(n * 784 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n * 784; i++) {
      tensor.putFloat(test.pixels()[i] & 0xFF);
    }
    byte[] header =
        ("{\"inputs\":[{\"name\":\"pixels\",\"shape\":[4,784],\"datatype\":\"FP32\","
                + "\"parameters\":{\"binary_data_size\":"
                + tensor.capacity()
                + "}}],\"outputs\":[{\"name\":\"digit\",\"parameters\":{\"binary_data\":true}}]}")
            .getBytes(StandardCharsets.UTF_8);
    byte[] body = new byte[header.length + tensor.capacity()];
    System.arraycopy(header, 0, body, 0, header.length);
    System.arraycopy(tensor.array(), 0, body, header.length, tensor.capacity());
    HttpResponse<byte[]> response =
        http.send(
            HttpRequest.newBuilder(uri("/v2/models/digits/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(header.length))
                .POST(BodyPublishers.ofByteArray(body))
                .build(),
            BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    int jsonLength =
        Integer.parseInt(
            response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    JsonNode answer = json.readTree(Arrays.copyOf(response.body(), jsonLength));
    assertThat(answer.get("outputs").get(0).get("parameters").get("binary_data_size").asInt())
        .isEqualTo(n * 8);
    ByteBuffer digits =
        ByteBuffer.wrap(response.body(), jsonLength, n * 8).order(ByteOrder.LITTLE_ENDIAN);
    List<Prediction> expected = served.byVersion("digits", 1).classifier().predict(images(0, n));
    for (int i = 0; i < n; i++) {
      assertThat(digits.getLong()).isEqualTo(expected.get(i).digit());
    }
  }

  @Test
  void bad_v2_requests_get_400_with_an_error_saying_what_is_wrong() throws Exception {
    String pixels = flat(0, 1, false);
    assertV2Error(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,784],\"datatype\":\"INT32\",\"data\":"
            + pixels
            + "}]}",
        "INT32");
    assertV2Error(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,3,16,16],\"datatype\":\"FP32\",\"data\":"
            + flat(0, 1, false)
            + "}]}",
        "[1, 3, 16, 16]");
    assertV2Error(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,784],\"datatype\":\"FP32\",\"data\":"
            + pixels
            + "}]}",
        "holds 1568 values but 784");
    assertV2Error(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,784],\"datatype\":\"FP32\",\"data\":["
            + "300"
            + ",0".repeat(783)
            + "]}]}",
        "0–255");
    assertV2Error("{\"inputs\": [", "not valid JSON");
    assertV2Error("{\"inputs\": []}", "exactly one tensor");
    assertV2Error(
        "{\"inputs\":[{\"name\":\"x\",\"shape\":[1,784],\"datatype\":\"FP32\",\"data\":"
            + pixels
            + "}],\"outputs\":[{\"name\":\"logits\"}]}",
        "unknown output 'logits'");
    HttpResponse<String> unknown = send("POST", "/v2/models/nope/infer", "application/json", "{}");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json.readTree(unknown.body()).get("error").asString()).contains("nope");
  }

  private void assertV2Error(String body, String expected) throws Exception {
    HttpResponse<String> response =
        send("POST", "/v2/models/digits/infer", "application/json", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    JsonNode error = json.readTree(response.body());
    assertThat(error.size()).as("only 'error', as the protocol says").isEqualTo(1);
    assertThat(error.get("error").asString()).contains(expected);
  }

  // ---------------------------------------------------------------- MLflow

  @Test
  void mlflow_inputs_instances_and_dataframe_split_get_the_served_predictions() throws Exception {
    int n = 5;
    List<Prediction> expected = served.byVersion("digits", 1).classifier().predict(images(0, n));
    List<String> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      rows.add(flat(i, 1, false));
    }
    String matrix = "[" + String.join(",", rows) + "]";
    StringJoiner columns = new StringJoiner(",", "[", "]");
    for (int p = 0; p < 784; p++) {
      columns.add("\"pixel" + p + "\"");
    }
    for (String body :
        List.of(
            "{\"inputs\":" + matrix + "}",
            "{\"instances\":" + matrix + "}",
            "{\"inputs\":{\"pixels\":" + matrix + "}}",
            "{\"dataframe_split\":{\"columns\":" + columns + ",\"data\":" + matrix + "}}")) {
      JsonNode answer = ok(send("POST", "/invocations?model=digits", "application/json", body));
      JsonNode predictions = answer.get("predictions");
      assertThat(predictions).hasSize(n);
      for (int i = 0; i < n; i++) {
        assertThat(predictions.get(i).get("digit").asInt()).isEqualTo(expected.get(i).digit());
        assertThat(predictions.get(i).get("probabilities")).hasSize(10);
      }
    }
    // The only registered model answers when none is named, as `mlflow models serve` serves one.
    assertThat(
            ok(send("POST", "/invocations", "application/json", "{\"inputs\":" + matrix + "}"))
                .get("predictions"))
        .hasSize(n);
    assertThat(get("/ping").statusCode()).isEqualTo(200);
  }

  @Test
  void bad_mlflow_requests_get_mlflows_error_codes() throws Exception {
    assertMlflowError("{\"inputs\": [", 400, "BAD_REQUEST", "Failed to parse");
    assertMlflowError("{\"columns\": []}", 400, "BAD_REQUEST", "exactly one of");
    assertMlflowError("{\"inputs\": [[1, 2, 3]]}", 400, "BAD_REQUEST", "[1, 3]");
    assertMlflowError(
        "{\"dataframe_split\":{\"columns\":[\"a\"],\"data\":[[1]]}}",
        400,
        "BAD_REQUEST",
        "1 columns");
    HttpResponse<String> missing =
        send("POST", "/invocations?model=nope", "application/json", "{\"inputs\":[]}");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json.readTree(missing.body()).get("error_code").asString())
        .isEqualTo("RESOURCE_DOES_NOT_EXIST");
    HttpResponse<String> csv = send("POST", "/invocations", "text/csv", "a,b\n1,2\n");
    assertThat(csv.statusCode()).isEqualTo(415);
    assertThat(csv.body()).contains("application/json");
  }

  private void assertMlflowError(String body, int status, String code, String message)
      throws Exception {
    HttpResponse<String> response =
        send("POST", "/invocations?model=digits", "application/json", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    JsonNode error = json.readTree(response.body());
    assertThat(error.get("error_code").asString()).isEqualTo(code);
    assertThat(error.get("message").asString()).contains(message);
  }

  // ---------------------------------------------------------------- metrics

  @Test
  void every_protocol_is_counted_per_model_and_version_in_prometheus() throws Exception {
    ok(
        send(
            "POST",
            "/v2/models/digits/infer",
            "application/json",
            "{\"inputs\":[{\"name\":\"x\",\"shape\":[784],\"datatype\":\"FP32\",\"data\":"
                + flat(0, 1, false)
                + "}]}"));
    send("POST", "/v2/models/digits/infer", "application/json", "{}");
    ok(
        send(
            "POST",
            "/invocations?model=digits",
            "application/json",
            "{\"inputs\":[" + flat(0, 1, false) + "]}"));
    ok(
        send(
            "POST",
            "/api/v1/models/digits/predict",
            "application/json",
            "{\"pixels\":" + flat(0, 1, false) + "}"));
    String metrics = get("/actuator/prometheus").body();
    for (String protocol : List.of("kserve-v2", "mlflow", "digitlab")) {
      assertThat(metrics)
          .containsPattern(
              "digitlab_model_requests_seconds_count\\{model=\"digits\",protocol=\""
                  + protocol
                  + "\",version=\"1\"\\} [1-9]");
    }
    assertThat(metrics)
        .containsPattern(
            "digitlab_model_requests_seconds_bucket\\{model=\"digits\",protocol=\"kserve-v2\","
                + "version=\"1\",le=\"[0-9.]+\"\\}");
    assertThat(metrics)
        .containsPattern(
            "digitlab_model_errors_total\\{model=\"digits\",protocol=\"kserve-v2\",status=\"400\","
                + "version=\"1\"\\} [1-9]");
  }

  // ---------------------------------------------------------------- helpers

  /** Images {@code from}..{@code from+n} as one flat JSON array of pixel values. */
  private String flat(int from, int n, boolean asFloats) {
    StringJoiner values = new StringJoiner(",", "[", "]");
    for (int i = from * 784; i < (from + n) * 784; i++) {
      int value = test.pixels()[i] & 0xFF;
      values.add(asFloats ? value + ".0" : Integer.toString(value));
    }
    return values.toString();
  }

  private List<byte[]> images(int from, int n) {
    List<byte[]> images = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      images.add(Arrays.copyOfRange(test.pixels(), i * 784, (i + 1) * 784));
    }
    return images;
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(uri(path)).GET().build(), BodyHandlers.ofString());
  }

  private HttpResponse<String> send(String method, String path, String jsonBody)
      throws IOException, InterruptedException {
    return send(method, path, "application/json", jsonBody);
  }

  private HttpResponse<String> send(String method, String path, String type, String body)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(uri(path))
            .header("Content-Type", type)
            .method(method, BodyPublishers.ofString(body))
            .build(),
        BodyHandlers.ofString());
  }

  private JsonNode ok(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isBetween(200, 299);
    return json.readTree(response.body());
  }

  private static Path home() {
    try {
      return Files.createTempDirectory("digitlab-protocols-");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
