package dev.digitlab.server.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.Waiting;
import java.awt.image.BufferedImage;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The serving acceptance over real HTTP, with models the embedded worker trains on real
 * MNIST: 1,000 test images as PNG, batch and JSON inputs, hot swap under load, hostile uploads.
 */
class ServingAcceptanceTest extends TrainingServerTest {

  // Not @TempDir: with one test instance per class the context is built before JUnit sets it.
  static final Path home = TestHomes.create("serving");

  /** Answers each phase of the hot swap waits for: 7 phases, so over 50 requests in all. */
  private static final int ANSWERS_PER_PHASE = 10;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
  }

  @BeforeAll
  void trainAndRegisterTwoVersions() throws Exception {
    long full =
        api.trainedTrial(
            "name: mlp-full\nconfig: {model: mlp, epochs: 4, seed: 1, validationRatio: 0}\n");
    long small =
        api.trainedTrial(
            "name: mlp-small\n"
                + "config: {model: mlp, epochs: 1, seed: 2, hiddenSizes: [32], trainSubset: 3000}\n");
    assertThat(api.register("digits", full).get("version").asInt()).isEqualTo(1);
    assertThat(api.register("digits", small).get("version").asInt()).isEqualTo(2);
    assertThat(api.promote("digits", "production", 1).statusCode()).isEqualTo(200);
  }

  @Test
  void the_registered_mlp_gets_97_percent_of_1000_mnist_test_pngs_right() throws Exception {
    int correct = 0;
    for (int i = 0; i < 1000; i++) {
      HttpResponse<String> response =
          api.predictFiles("/api/v1/models/digits/predict", List.of(MnistPngs.png(test, i)));
      JsonNode answer = api.ok(response);
      assertThat(answer.get("version").asInt()).isEqualTo(1);
      assertThat(answer.get("probabilities")).hasSize(10);
      correct += answer.get("digit").asInt() == test.label(i) ? 1 : 0;
    }
    assertThat(correct).isGreaterThanOrEqualTo(970);
  }

  @Test
  void base64_json_pixel_values_and_batches_give_the_single_upload_answers() throws Exception {
    List<Integer> single = new ArrayList<>();
    List<String> base64 = new ArrayList<>();
    List<byte[]> files = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] png = MnistPngs.png(test, i);
      files.add(png);
      base64.add("\"" + Base64.getEncoder().encodeToString(png) + "\"");
      single.add(
          api.ok(api.predictFiles("/api/v1/models/digits/predict", List.of(png)))
              .get("digit")
              .asInt());
    }

    JsonNode batchJson =
        api.ok(
            api.send(
                "POST",
                "/api/v1/models/digits/predict?alias=production",
                "{\"images\":[" + String.join(",", base64) + "]}"));
    JsonNode batchFiles = api.ok(api.predictFiles("/api/v1/models/digits/predict", files));
    int[] pixels = new int[784];
    for (int p = 0; p < 784; p++) {
      pixels[p] = test.pixels()[p] & 0xFF;
    }
    JsonNode fromPixels =
        api.ok(
            api.send(
                "POST",
                "/api/v1/models/digits/predict?version=1",
                "{\"pixels\":" + Arrays.toString(pixels) + "}"));
    JsonNode dataUrl =
        api.ok(
            api.send(
                "POST",
                "/api/v1/models/digits/predict",
                "{\"image\":\"data:image/png;base64,"
                    + Base64.getEncoder().encodeToString(files.getFirst())
                    + "\"}"));

    List<Integer> rawBodies = new ArrayList<>();
    for (int i = 0; i < files.size(); i++) {
      JsonNode raw =
          api.ok(
              api.predictBody(
                  "/api/v1/models/digits/predict",
                  i % 2 == 0 ? "image/png" : "application/octet-stream",
                  files.get(i)));
      assertThat(raw.get("version").asInt()).isEqualTo(1);
      rawBodies.add(raw.get("digit").asInt());
    }
    byte[] jpegBytes = MnistPngs.encode(MnistPngs.image(test, 0), "jpeg");
    JsonNode jpeg =
        api.ok(api.predictBody("/api/v1/models/digits/predict?version=1", "image/jpeg", jpegBytes));
    JsonNode jpegFile =
        api.ok(api.predictFiles("/api/v1/models/digits/predict", List.of(jpegBytes)));

    assertThat(rawBodies).isEqualTo(single);
    assertThat(jpeg.get("probabilities")).isEqualTo(jpegFile.get("probabilities"));
    assertThat(digits(batchJson)).isEqualTo(single);
    assertThat(digits(batchFiles)).isEqualTo(single);
    assertThat(fromPixels.get("digit").asInt()).isEqualTo(single.getFirst());
    assertThat(fromPixels.get("version").asInt()).isEqualTo(1);
    assertThat(dataUrl.get("digit").asInt()).isEqualTo(single.getFirst());
    assertThat(batchJson.get("latencyMs").asDouble()).isPositive();
  }

  @Test
  void promotion_and_rollback_hot_swap_the_model_under_load_without_a_failed_request()
      throws Exception {
    byte[] png = MnistPngs.png(test, 3);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger requests = new AtomicInteger();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    // Answers by the version that gave them: each phase lasts until the clients got answers from
    // the version it set, not a fixed 150 ms, in which a loaded machine may answer none at all.
    Map<Integer, AtomicInteger> answers = new ConcurrentHashMap<>();
    CountDownLatch running = new CountDownLatch(4);
    List<Future<?>> clients = new ArrayList<>();
    try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
      try {
        for (int c = 0; c < 4; c++) {
          clients.add(
              pool.submit(
                  () -> {
                    running.countDown();
                    while (!stop.get()) {
                      try {
                        HttpResponse<String> r =
                            api.predictFiles("/api/v1/models/digits/predict", List.of(png));
                        requests.incrementAndGet();
                        if (r.statusCode() != 200) {
                          failures.add(r.statusCode() + " " + r.body());
                        } else {
                          answers
                              .computeIfAbsent(
                                  api.json.readTree(r.body()).get("version").asInt(),
                                  v -> new AtomicInteger())
                              .incrementAndGet();
                        }
                      } catch (Exception e) {
                        failures.add(e.toString());
                      }
                    }
                    return null;
                  }));
        }
        running.await();
        awaitAnswers(answers, 1, failures);
        for (int round = 0; round < 3; round++) {
          assertThat(api.promote("digits", "production", 2).statusCode()).isEqualTo(200);
          awaitAnswers(answers, 2, failures);
          JsonNode back = api.ok(api.rollback("digits", "production"));
          assertThat(back.get("version").asInt()).isEqualTo(1);
          awaitAnswers(answers, 1, failures);
        }
      } finally {
        // also when an assertion above failed: the pool's close waits for the clients
        stop.set(true);
      }
      for (Future<?> client : clients) {
        client.get();
      }
    }

    assertThat(failures).isEmpty();
    assertThat(requests.get()).isGreaterThan(50);
    assertThat(answers.keySet()).containsExactlyInAnyOrder(1, 2);
    JsonNode after =
        api.ok(api.predictFiles("/api/v1/models/digits/predict", List.of(MnistPngs.png(test, 0))));
    assertThat(after.get("version").asInt()).isEqualTo(1);
  }

  /**
   * Waits until the clients got {@link #ANSWERS_PER_PHASE} more answers from {@code version} (or a
   * request failed, which the test then reports).
   */
  private static void awaitAnswers(
      Map<Integer, AtomicInteger> answers, int version, List<String> failures)
      throws InterruptedException {
    int target = answered(answers, version) + ANSWERS_PER_PHASE;
    Waiting.until(
        () -> answered(answers, version),
        count -> count >= target || !failures.isEmpty(),
        Duration.ofMinutes(2),
        ANSWERS_PER_PHASE + " more answers from version " + version);
  }

  private static int answered(Map<Integer, AtomicInteger> answers, int version) {
    AtomicInteger count = answers.get(version);
    return count == null ? 0 : count.get();
  }

  @Test
  void hostile_uploads_get_problem_details_and_the_server_stays_healthy() throws Exception {
    byte[] png = MnistPngs.png(test, 0);
    byte[] malformed = Arrays.copyOf(MnistPngs.encode(noise(300)), 200);
    byte[] fiftyMegabytes = new byte[50 * 1024 * 1024];
    System.arraycopy(png, 0, fiftyMegabytes, 0, png.length);
    byte[] bomb = declaringSize(png, 100_000, 100_000);
    byte[] text = "label,pixels\n7,0 0 0 0\n".getBytes(StandardCharsets.UTF_8);

    assertProblem(api.predictFiles("/api/v1/models/digits/predict", List.of(malformed)), 400);
    assertProblem(api.predictFiles("/api/v1/models/digits/predict", List.of(fiftyMegabytes)), 413);
    assertProblem(api.predictFiles("/api/v1/models/digits/predict", List.of(bomb)), 400);
    assertProblem(api.predictFiles("/api/v1/models/digits/predict", List.of(text)), 400);
    String predict = "/api/v1/models/digits/predict";
    assertProblem(api.predictBody(predict, "image/png", malformed), 400);
    assertProblem(api.predictBody(predict, "image/png", fiftyMegabytes), 413);
    assertProblem(api.predictBody(predict, "image/png", Arrays.copyOf(png, 5_242_881)), 413);
    assertProblem(api.predictBody(predict, "image/png", bomb), 400);
    assertProblem(api.predictBody(predict, "application/octet-stream", text), 400);
    assertProblem(api.predictBody(predict, "image/png", new byte[0]), 400);
    assertProblem(
        api.send(
            "POST",
            "/api/v1/models/digits/predict",
            "{\"image\":\"" + Base64.getEncoder().encodeToString(bomb) + "\"}"),
        400);
    assertProblem(api.send("POST", "/api/v1/models/digits/predict", "{\"pixels\":[1,2,3]}"), 400);
    assertProblem(api.send("POST", "/api/v1/models/digits/predict", "{\"image\":\"%%%\"}"), 400);
    assertProblem(api.send("POST", "/api/v1/models/digits/predict", "not json"), 400);
    BufferedImage blank = new BufferedImage(40, 40, BufferedImage.TYPE_INT_RGB);
    assertProblem(
        api.predictFiles("/api/v1/models/digits/predict", List.of(MnistPngs.encode(blank))), 400);
    assertProblem(api.predictFiles("/api/v1/models/nothing/predict", List.of(png)), 404);
    assertProblem(
        api.predictFiles("/api/v1/models/digits/predict?alias=canary", List.of(png)), 404);

    assertThat(api.get("/actuator/health").statusCode()).isEqualTo(200);
    assertThat(api.predictFiles("/api/v1/models/digits/predict", List.of(png)).statusCode())
        .isEqualTo(200);
  }

  @Test
  void the_preprocessed_view_is_a_28_by_28_png() throws Exception {
    BufferedImage large = new BufferedImage(280, 280, BufferedImage.TYPE_INT_RGB);
    var g = large.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, 280, 280);
    g.setColor(java.awt.Color.BLACK);
    g.fillRect(120, 40, 30, 200);
    g.dispose();
    HttpResponse<byte[]> response =
        api.http.send(
            java.net.http.HttpRequest.newBuilder(api.uri("/api/v1/preprocess"))
                .header("Content-Type", "application/json")
                .POST(
                    java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"image\":\""
                            + Base64.getEncoder().encodeToString(MnistPngs.encode(large))
                            + "\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());

    assertThat(response.statusCode()).isEqualTo(200);
    BufferedImage view =
        javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(response.body()));
    assertThat(view.getWidth()).isEqualTo(28);
    assertThat(view.getHeight()).isEqualTo(28);
    // A vertical bar, inverted to white on black and scaled to 20 pixels high, in the middle.
    assertThat(view.getRaster().getSample(14, 14, 0)).isGreaterThan(200);
    assertThat(view.getRaster().getSample(14, 2, 0)).isZero();
    assertThat(view.getRaster().getSample(2, 14, 0)).isZero();
  }

  private void assertProblem(HttpResponse<String> response, int status) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    // Problems written by filters (body too large) say their charset; JSON is UTF-8 either way.
    assertThat(response.headers().firstValue("Content-Type"))
        .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(api.json.readTree(response.body()).get("detail").asString()).isNotBlank();
  }

  private static List<Integer> digits(JsonNode answer) {
    List<Integer> digits = new ArrayList<>();
    answer.get("predictions").forEach(p -> digits.add(p.get("digit").asInt()));
    return digits;
  }

  private static BufferedImage noise(int side) {
    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
    java.util.SplittableRandom random = new java.util.SplittableRandom(1);
    for (int y = 0; y < side; y++) {
      for (int x = 0; x < side; x++) {
        image.setRGB(x, y, random.nextInt(0x1000000));
      }
    }
    return image;
  }

  /** A PNG whose header claims {@code width × height}, with a valid CRC: a decompression bomb. */
  private static byte[] declaringSize(byte[] png, int width, int height) {
    byte[] copy = png.clone();
    ByteBuffer buffer = ByteBuffer.wrap(copy);
    buffer.putInt(16, width).putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(copy, 12, 17);
    buffer.putInt(29, (int) crc.getValue());
    return copy;
  }
}
