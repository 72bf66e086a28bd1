package dev.digitlab.server.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.server.testing.OpenServerTest;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * Finding 4 of issue 15: a 210 kB PNG (4096×4096, 16-bit RGBA, inside the old pixel limit) took 7 s
 * to decode, and three at once stalled health checks. Rule: dimensions over 1024×1024 and more than
 * 8 bits per sample are refused from the header, before any pixel is decoded; decoding runs in a
 * bounded number of slots (503 with Retry-After when all are busy) and is given up at a deadline.
 */
class CostlyImagesTest extends OpenServerTest {

  @Value("${local.server.port}")
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  @Test
  void the_small_costly_png_of_the_attack_is_refused_by_its_dimensions() throws Exception {
    byte[] png = png(4096, 4096, 16);
    assertThat(png.length).isLessThan(1_000_000);

    HttpResponse<String> response = preprocess(png);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).contains("4096×4096", "1048576");
  }

  @Test
  void a_16_bit_image_is_refused_by_its_depth_and_an_8_bit_one_of_the_same_size_is_read()
      throws Exception {
    HttpResponse<String> deep = preprocess(png(1024, 1024, 16));
    assertThat(deep.statusCode()).as(deep.body()).isEqualTo(400);
    assertThat(deep.body()).contains("16 bits per sample", "at most 8");

    assertThat(preprocess(png(1024, 1024, 8)).statusCode()).isEqualTo(200);
  }

  @Autowired PredictionInputs inputs;

  @Test
  void when_every_decoding_slot_is_busy_an_image_is_answered_503_with_retry_after()
      throws Exception {
    // The slots held as decoding requests hold them: the next image waits decode-wait, then 503.
    int slots = inputs.decodeSlots.availablePermits();
    inputs.decodeSlots.acquire(slots);
    HttpResponse<String> busy;
    try {
      busy = preprocess(png(28, 28, 8));
    } finally {
      inputs.decodeSlots.release(slots);
    }

    assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
    assertThat(busy.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(busy.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(busy.body()).contains("decode-threads");
    // The slots given back, the same image is read.
    assertThat(preprocess(png(28, 28, 8)).statusCode()).isEqualTo(200);
  }

  private HttpResponse<String> preprocess(byte[] png) throws Exception {
    return preprocess(http, port, png);
  }

  static HttpResponse<String> preprocess(HttpClient http, int port, byte[] png) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/preprocess"))
            .header("Content-Type", "image/png")
            .POST(BodyPublishers.ofByteArray(png))
            .build(),
        BodyHandlers.ofString());
  }

  /** An opaque RGBA PNG of this size and depth, black with a white square: it compresses well. */
  static byte[] png(int width, int height, int depth) {
    int bytesPerSample = depth / 8;
    int bytesPerPixel = 4 * bytesPerSample;
    byte[] row = new byte[1 + width * bytesPerPixel];
    Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    ByteArrayOutputStream idat = new ByteArrayOutputStream();
    byte[] buffer = new byte[1 << 16];
    for (int y = 0; y < height; y++) {
      Arrays.fill(row, (byte) 0);
      boolean inSquare = y > height / 4 && y < height / 2;
      for (int x = 0; x < width; x++) {
        int at = 1 + x * bytesPerPixel;
        boolean white = inSquare && x > width / 4 && x < width / 2;
        Arrays.fill(row, white ? at : at + 3 * bytesPerSample, at + bytesPerPixel, (byte) -1);
      }
      deflater.setInput(row);
      while (!deflater.needsInput()) {
        idat.write(buffer, 0, deflater.deflate(buffer));
      }
    }
    deflater.finish();
    while (!deflater.finished()) {
      idat.write(buffer, 0, deflater.deflate(buffer));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    chunk(
        out,
        "IHDR",
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) depth)
            .put((byte) 6)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0)
            .array());
    chunk(out, "IDAT", idat.toByteArray());
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] name = type.getBytes(StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(name);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(name);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
