package dev.digitlab.ml.infer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.data.ImageSet;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class ImagePreprocessorTest {

  private static final ImageDecoder DECODER = new ImageDecoder(5_000_000, 25_000_000);

  @Test
  void an_mnist_digit_drawn_large_in_black_on_white_comes_back_close_to_its_mnist_form() {
    ImageSet test = MnistSamples.test();
    for (int i = 0; i < 20; i++) {
      byte[] raw = MnistSamples.image(test, i);
      byte[] direct = ImagePreprocessor.fromPixels(MnistSamples.unsigned(raw));
      BufferedImage large = MnistSamples.onWhite(raw, 10, 280, 280, 0, 0);
      byte[] fromPng = ImagePreprocessor.fromImage(DECODER.decode(MnistSamples.png(large)));

      assertThat(correlation(fromPng, direct)).as("image %d", i).isGreaterThan(0.9);
      assertThat(correlation(direct, raw)).as("image %d", i).isGreaterThan(0.8);
    }
  }

  @Test
  void mnist_images_are_already_in_mnist_form_and_come_back_unchanged() {
    ImageSet test = MnistSamples.test();
    int unchanged = 0;
    for (int i = 0; i < 200; i++) {
      byte[] raw = MnistSamples.image(test, i);
      unchanged +=
          java.util.Arrays.equals(ImagePreprocessor.fromPixels(MnistSamples.unsigned(raw)), raw)
              ? 1
              : 0;
    }
    assertThat(unchanged).isGreaterThanOrEqualTo(150);
  }

  @Test
  void a_grayscale_png_keeps_its_gray_levels() {
    ImageSet test = MnistSamples.test();
    for (int i = 0; i < 20; i++) {
      byte[] raw = MnistSamples.image(test, i);
      BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      gray.getRaster().setDataElements(0, 0, 28, 28, raw);
      byte[] decoded = ImagePreprocessor.fromImage(DECODER.decode(MnistSamples.png(gray)));

      assertThat(decoded).isEqualTo(ImagePreprocessor.fromPixels(MnistSamples.unsigned(raw)));
    }
  }

  @Test
  void a_small_digit_in_a_corner_of_a_wide_canvas_lands_centred_in_a_20_pixel_box() {
    byte[] raw = MnistSamples.image(MnistSamples.test(), 0);
    BufferedImage corner = MnistSamples.onWhite(raw, 3, 400, 250, 300, 150);

    byte[] mnist = ImagePreprocessor.fromImage(corner);

    double[] centre = centreOfMass(mnist);
    assertThat(centre[0]).isBetween(13.0, 15.0);
    assertThat(centre[1]).isBetween(13.0, 15.0);
    int[] box = inkBox(mnist);
    assertThat(Math.max(box[2] - box[0] + 1, box[3] - box[1] + 1)).isBetween(19, 20);
    byte[] centred = ImagePreprocessor.fromImage(MnistSamples.onWhite(raw, 3, 84, 84, 0, 0));
    assertThat(correlation(mnist, centred)).isGreaterThan(0.97);
  }

  @Test
  void the_same_image_always_gives_the_same_pixels() {
    byte[] raw = MnistSamples.image(MnistSamples.test(), 7);
    byte[] png = MnistSamples.png(MnistSamples.onWhite(raw, 5, 150, 170, 7, 3));

    assertThat(ImagePreprocessor.fromImage(DECODER.decode(png)))
        .isEqualTo(ImagePreprocessor.fromImage(DECODER.decode(png)));
  }

  @Test
  void white_ink_on_a_transparent_canvas_is_kept() {
    BufferedImage canvas = new BufferedImage(100, 100, BufferedImage.TYPE_INT_ARGB);
    for (int y = 20; y < 80; y++) {
      for (int x = 45; x < 55; x++) {
        canvas.setRGB(x, y, 0xFFFFFFFF);
      }
    }
    byte[] mnist = ImagePreprocessor.fromImage(canvas);

    int[] box = inkBox(mnist);
    assertThat(box[3] - box[1] + 1).isEqualTo(20);
    assertThat(box[2] - box[0] + 1).isBetween(3, 4);
  }

  @Test
  void a_blank_image_is_refused() {
    BufferedImage blank = new BufferedImage(50, 50, BufferedImage.TYPE_INT_RGB);
    assertThatThrownBy(() -> ImagePreprocessor.fromImage(blank))
        .isInstanceOf(EmptyImageException.class)
        .hasMessageContaining("no visible digit");
  }

  @Test
  void pixel_values_must_be_784_values_from_0_to_255() {
    assertThatThrownBy(() -> ImagePreprocessor.fromPixels(new int[783]))
        .hasMessageContaining("784");
    int[] bad = new int[784];
    bad[5] = 256;
    assertThatThrownBy(() -> ImagePreprocessor.fromPixels(bad)).hasMessageContaining("pixel 5");
  }

  static double correlation(byte[] a, byte[] b) {
    double ma = 0;
    double mb = 0;
    for (int i = 0; i < a.length; i++) {
      ma += a[i] & 0xFF;
      mb += b[i] & 0xFF;
    }
    ma /= a.length;
    mb /= b.length;
    double cov = 0;
    double va = 0;
    double vb = 0;
    for (int i = 0; i < a.length; i++) {
      double da = (a[i] & 0xFF) - ma;
      double db = (b[i] & 0xFF) - mb;
      cov += da * db;
      va += da * da;
      vb += db * db;
    }
    return cov / Math.sqrt(va * vb);
  }

  static double[] centreOfMass(byte[] image) {
    double mass = 0;
    double x = 0;
    double y = 0;
    for (int i = 0; i < image.length; i++) {
      double v = image[i] & 0xFF;
      mass += v;
      x += v * (i % 28);
      y += v * (i / 28);
    }
    return new double[] {x / mass, y / mass};
  }

  /** left, top, right, bottom of the pixels above 20. */
  static int[] inkBox(byte[] image) {
    int[] box = {28, 28, -1, -1};
    for (int i = 0; i < image.length; i++) {
      if ((image[i] & 0xFF) > 20) {
        box[0] = Math.min(box[0], i % 28);
        box[1] = Math.min(box[1], i / 28);
        box[2] = Math.max(box[2], i % 28);
        box[3] = Math.max(box[3], i / 28);
      }
    }
    return box;
  }
}
