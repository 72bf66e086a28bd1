package dev.digitlab.server.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Finding 4 of issue 15, the deadline: the server kept decoding after the client gave up. Rule: an
 * image still decoding at {@code digitlab.serving.decode-timeout} is given up and refused (400,
 * reason {@code too_slow}). With a 1 ms deadline a 1024×1024 JPEG (the largest accepted; JPEGs go
 * through ImageIO, whose reader the deadline stops; plain 8-bit PNGs take a bounded fast path)
 * cannot finish in time; no timing is asserted, only the answer.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
class DecodeDeadlineTest {

  @TempDir static Path home;

  @DynamicPropertySource
  static void settings(DynamicPropertyRegistry properties) {
    properties.add("digitlab.home", () -> home.toString());
    properties.add("digitlab.worker.slots", () -> "0");
    properties.add("digitlab.serving.decode-timeout", () -> "1ms");
  }

  @Value("${local.server.port}")
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void an_image_still_decoding_at_the_deadline_is_refused_as_too_slow() throws Exception {
    HttpResponse<String> slow = CostlyImagesTest.preprocess(http, port, jpeg(1024, 1024));

    assertThat(slow.statusCode()).as("status").isEqualTo(400);
    assertThat(slow.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(slow.body()).contains("\"reason\":\"too_slow\"");
    // The server is fine afterwards.
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/actuator/health"))
                .build(),
            BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
  }

  /** A noisy grey JPEG: noise keeps the decoder busy. */
  private static byte[] jpeg(int width, int height) throws java.io.IOException {
    java.awt.image.BufferedImage image =
        new java.awt.image.BufferedImage(
            width, height, java.awt.image.BufferedImage.TYPE_BYTE_GRAY);
    java.util.Random random = new java.util.Random(7);
    byte[] pixels = ((java.awt.image.DataBufferByte) image.getRaster().getDataBuffer()).getData();
    random.nextBytes(pixels);
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "jpeg", out);
    return out.toByteArray();
  }
}
