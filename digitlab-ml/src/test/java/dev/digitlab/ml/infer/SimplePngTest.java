package dev.digitlab.ml.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.infer.ImageRejectedException.Reason;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The fast PNG path gives exactly the MNIST form that decoding with {@code javax.imageio} gives,
 * and hands everything it does not handle to it.
 */
class SimplePngTest {

  private final ImageDecoder decoder = new ImageDecoder(5_000_000, 16_000_000);

  @Test
  void real_mnist_pngs_take_the_fast_path_to_the_same_pixels() {
    ImageSet test = MnistSamples.test();
    for (int i = 0; i < 300; i++) {
      BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      image.getRaster().setDataElements(0, 0, 28, 28, MnistSamples.image(test, i));
      assertSameAsImageIo(MnistSamples.png(image), "MNIST test image " + i);
    }
  }

  @Test
  void gray_gray_alpha_rgb_and_rgba_pngs_with_every_row_filter_give_the_same_pixels() {
    SplittableRandom random = new SplittableRandom(7);
    int[] types = {
      BufferedImage.TYPE_BYTE_GRAY,
      BufferedImage.TYPE_3BYTE_BGR,
      BufferedImage.TYPE_INT_RGB,
      BufferedImage.TYPE_INT_ARGB,
      BufferedImage.TYPE_4BYTE_ABGR
    };
    for (int type : types) {
      for (int round = 0; round < 4; round++) {
        int width = 1 + random.nextInt(90);
        int height = 1 + random.nextInt(90);
        // Smooth areas, edges and noise, so that the writer picks different row filters.
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
          for (int x = 0; x < width; x++) {
            int v = (x * 255 / width + (y % 7 == 0 ? random.nextInt(256) : 0)) & 0xFF;
            int a =
                type == BufferedImage.TYPE_INT_ARGB || type == BufferedImage.TYPE_4BYTE_ABGR
                    ? (y < height / 2 ? 255 : random.nextInt(256))
                    : 255;
            int rgb = (a << 24) | (v << 16) | ((255 - v) << 8) | (x * y & 0xFF);
            image.setRGB(x, y, rgb);
          }
        }
        // A digit-like block of ink, so the image is never blank.
        image.setRGB(0, 0, 0xFFFFFFFF);
        image.setRGB(width - 1, height - 1, 0xFF000000);
        assertSameAsImageIo(MnistSamples.png(image), "type " + type + " " + width + "×" + height);
      }
    }
  }

  @Test
  void a_gray_png_with_alpha_gives_the_same_pixels() throws IOException {
    // ImageIO writes TYPE_BYTE_GRAY with an alpha band only from a custom image: write the PNG
    // by hand (colour type 4) and compare with what ImageIO reads from it.
    byte[] png = grayAlphaPng(30, 20);
    assertSameAsImageIo(png, "gray + alpha");
  }

  @Test
  void what_it_does_not_handle_goes_to_imageio() throws IOException {
    BufferedImage rgb = MnistSamples.onWhite(new byte[784], 1, 40, 30, 0, 0);
    rgb.setRGB(10, 10, 0);
    byte[] png = MnistSamples.png(rgb);
    assertThat(decoder.decodeSimple(png)).isNotNull();

    byte[] badCrc = png.clone();
    badCrc[40] ^= 1;
    BufferedImage sixteenBit = new BufferedImage(20, 20, BufferedImage.TYPE_USHORT_GRAY);
    BufferedImage indexed = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_INDEXED);
    byte[] interlaced = interlaced(rgb);
    byte[] jpeg = MnistSamples.encode(rgb, "jpeg");
    byte[] truncated = Arrays.copyOf(png, png.length - 20);

    for (byte[] other :
        new byte[][] {
          badCrc,
          MnistSamples.png(sixteenBit),
          MnistSamples.png(indexed),
          interlaced,
          jpeg,
          truncated,
          ImageDecoderTest.declaringSize(png, 100_000, 100_000),
          "not an image".getBytes(java.nio.charset.StandardCharsets.UTF_8)
        }) {
      assertThat(SimplePng.decode(other, 16_000_000)).isNull();
    }
    // ImageIO still decodes what it can and refuses the rest as before.
    assertThat(ImagePreprocessor.fromEncoded(interlaced, decoder))
        .isEqualTo(ImagePreprocessor.fromImage(decoder.decode(interlaced)));
    assertThatThrownBy(
            () ->
                ImagePreprocessor.fromEncoded(
                    ImageDecoderTest.declaringSize(png, 100_000, 100_000), decoder))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
    assertThatThrownBy(() -> ImagePreprocessor.fromEncoded(new byte[5_000_001], decoder))
        .isInstanceOfSatisfying(
            ImageRejectedException.class, e -> assertThat(e.reason()).isEqualTo(Reason.TOO_LARGE));
  }

  @Test
  void the_callers_pixel_limit_applies_to_the_fast_path_too() {
    BufferedImage image = new BufferedImage(50, 50, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setSample(25, 25, 0, 255);
    byte[] png = MnistSamples.png(image);
    assertThat(SimplePng.decode(png, 2500)).isNotNull();
    assertThat(SimplePng.decode(png, 2499)).isNull();
    assertThatThrownBy(() -> ImagePreprocessor.fromEncoded(png, new ImageDecoder(100_000, 2499)))
        .isInstanceOfSatisfying(
            ImageRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(Reason.TOO_MANY_PIXELS));
  }

  private void assertSameAsImageIo(byte[] png, String what) {
    assertThat(decoder.decodeSimple(png)).as(what + " takes the fast path").isNotNull();
    byte[] viaImageIo;
    try {
      viaImageIo = ImagePreprocessor.fromImage(decoder.decode(png));
    } catch (EmptyImageException e) {
      assertThatThrownBy(() -> ImagePreprocessor.fromEncoded(png, decoder))
          .as(what)
          .isInstanceOf(EmptyImageException.class);
      return;
    }
    assertThat(ImagePreprocessor.fromEncoded(png, decoder)).as(what).isEqualTo(viaImageIo);
  }

  private static byte[] interlaced(BufferedImage image) throws IOException {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (MemoryCacheImageOutputStream stream = new MemoryCacheImageOutputStream(out)) {
      writer.setOutput(stream);
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
      writer.write(null, new IIOImage(image, null, null), param);
    } finally {
      writer.dispose();
    }
    return out.toByteArray();
  }

  /** An 8-bit gray + alpha PNG (colour type 4): a light square half transparent on dark. */
  private static byte[] grayAlphaPng(int width, int height) throws IOException {
    ByteArrayOutputStream raw = new ByteArrayOutputStream();
    for (int y = 0; y < height; y++) {
      raw.write(y % 5); // every filter type in turn
      for (int x = 0; x < width; x++) {
        raw.write(x > 5 && x < 20 && y > 3 && y < 15 ? 230 : (x * 3) & 0xFF);
        raw.write(y < 10 ? 255 : x * 8);
      }
    }
    java.util.zip.Deflater deflater = new java.util.zip.Deflater();
    deflater.setInput(raw.toByteArray());
    deflater.finish();
    byte[] compressed = new byte[raw.size() * 2 + 64];
    int length = deflater.deflate(compressed);
    deflater.end();
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.write(new byte[] {(byte) 137, 80, 78, 71, 13, 10, 26, 10});
    java.nio.ByteBuffer header = java.nio.ByteBuffer.allocate(13);
    header.putInt(width).putInt(height).put((byte) 8).put((byte) 4).put(new byte[3]);
    chunk(png, "IHDR", header.array());
    chunk(png, "IDAT", Arrays.copyOf(compressed, length));
    chunk(png, "IEND", new byte[0]);
    return png.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }
}
