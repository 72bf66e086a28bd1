package dev.digitlab.server.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.springframework.web.ErrorResponseException;

/**
 * Rule: an image's bytes and pixel count are checked before it is decoded; a header claiming a huge
 * image is refused without allocating its pixels.
 */
class ImageLimitsTest {

  private final ImageLimits limits =
      new ImageLimits(
          new RequestLimits(DataSize.ofMegabytes(16), DataSize.ofKilobytes(64), 10_000));

  @Test
  void a_small_png_passes_with_its_size() throws Exception {
    assertThat(limits.check(png(28, 28), "image")).isEqualTo(new ImageLimits.ImageSize(28, 28));
  }

  @Test
  void a_header_claiming_a_huge_image_is_refused_413_before_decoding() throws Exception {
    byte[] bomb = png(28, 28);
    // IHDR's width and height: bytes 16..23 of every PNG. 100,000 × 100,000 pixels would take
    // 40 GB decoded; the file stays a few hundred bytes.
    ByteBuffer.wrap(bomb, 16, 8).putInt(100_000).putInt(100_000);

    assertThatThrownBy(() -> limits.check(bomb, "image"))
        .isInstanceOfSatisfying(
            ErrorResponseException.class,
            e -> {
              assertThat(e.getStatusCode().value()).isEqualTo(413);
              assertThat(e.getBody().getDetail()).contains("100000 × 100000 pixels");
            });
  }

  @Test
  void too_many_bytes_are_refused_413_before_reading_the_header() {
    byte[] big = new byte[64 * 1024 + 1];

    assertThatThrownBy(() -> limits.check(big, "image"))
        .isInstanceOfSatisfying(
            ErrorResponseException.class,
            e -> assertThat(e.getBody().getDetail()).contains("max-image-size"));
  }

  @Test
  void bytes_that_are_no_image_or_a_cut_off_one_are_refused_400() throws Exception {
    assertThatThrownBy(() -> limits.check("hello".getBytes(), "image"))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageContaining("image: is not an image");
    byte[] cut = Arrays.copyOf(png(28, 28), 20);
    assertThatThrownBy(() -> limits.check(cut, "image"))
        .isInstanceOf(InvalidParameterException.class)
        .hasMessageStartingWith("image:");
  }

  private static byte[] png(int width, int height) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY), "png", out);
    return out.toByteArray();
  }
}
