package dev.digitlab.ml.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.infer.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ImageDecoderTest {

  private final ImageDecoder decoder = new ImageDecoder(100_000, 1_000_000);

  @Test
  void decodes_png_jpeg_and_gif() {
    BufferedImage image = new BufferedImage(30, 20, BufferedImage.TYPE_INT_RGB);
    for (String format : new String[] {"png", "jpeg", "gif"}) {
      BufferedImage decoded = decoder.decode(MnistSamples.encode(image, format));
      assertThat(decoded.getWidth()).as(format).isEqualTo(30);
      assertThat(decoded.getHeight()).as(format).isEqualTo(20);
    }
  }

  @Test
  void a_decompression_bomb_is_refused_from_its_header() {
    byte[] bomb = declaringSize(MnistSamples.png(new BufferedImage(1, 1, 1)), 100_000, 100_000);

    assertThatThrownBy(() -> decoder.decode(bomb))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS))
        .hasMessageContaining("100000×100000");
  }

  @Test
  void too_many_bytes_are_refused_before_reading() {
    assertThatThrownBy(() -> decoder.decode(new byte[100_001]))
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void text_is_not_an_image() {
    assertThatThrownBy(() -> decoder.decode("hello, 1 2 3".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.NOT_AN_IMAGE));
  }

  @Test
  void a_truncated_png_is_malformed() {
    byte[] png = MnistSamples.png(new BufferedImage(200, 200, BufferedImage.TYPE_INT_RGB));
    byte[] truncated = Arrays.copyOf(png, 60);

    assertThatThrownBy(() -> decoder.decode(truncated))
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.MALFORMED));
  }

  /** A PNG whose IHDR chunk claims {@code width × height}, with a valid CRC. */
  static byte[] declaringSize(byte[] png, int width, int height) {
    byte[] copy = png.clone();
    // Signature (8), IHDR length (4), "IHDR" (4), then width and height, then 5 bytes, then CRC.
    ByteBuffer buffer = ByteBuffer.wrap(copy);
    buffer.putInt(16, width).putInt(20, height);
    CRC32 crc = new CRC32();
    crc.update(copy, 12, 17);
    buffer.putInt(29, (int) crc.getValue());
    return copy;
  }
}
