package dev.digitlab.ml.infer;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.ml.data.IdxReader;
import dev.digitlab.ml.data.ImageSet;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;

/**
 * Real MNIST images from the data home that {@code ./digitlab data fetch} fills (CI fetches it
 * first); tests using them are skipped when it is missing, so that a test never downloads it.
 */
final class MnistSamples {

  private static final Path DIR =
      (System.getenv("DIGITLAB_HOME") != null
              ? Path.of(System.getenv("DIGITLAB_HOME"))
              : Path.of(System.getProperty("user.home"), ".digitlab"))
          .resolve("datasets/mnist");

  private MnistSamples() {}

  static ImageSet train() {
    return read("train");
  }

  static ImageSet test() {
    return read("t10k");
  }

  private static ImageSet read(String prefix) {
    assumeTrue(
        Files.isRegularFile(DIR.resolve(prefix + "-images-idx3-ubyte")),
        "MNIST is not in " + DIR + ": run ./digitlab data fetch");
    return IdxReader.read(
        DIR.resolve(prefix + "-images-idx3-ubyte"), DIR.resolve(prefix + "-labels-idx1-ubyte"));
  }

  static byte[] image(ImageSet set, int i) {
    return Arrays.copyOfRange(set.pixels(), i * 784, (i + 1) * 784);
  }

  static int[] unsigned(byte[] pixels) {
    int[] values = new int[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      values[i] = pixels[i] & 0xFF;
    }
    return values;
  }

  /**
   * The digit drawn as black ink on a white {@code width × height} canvas, each MNIST pixel a
   * {@code scale × scale} block, its top-left corner at ({@code x}, {@code y}).
   */
  static BufferedImage onWhite(byte[] pixels, int scale, int width, int height, int x, int y) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    for (int py = 0; py < height; py++) {
      for (int px = 0; px < width; px++) {
        int sx = (px - x) / scale;
        int sy = (py - y) / scale;
        int ink = px >= x && py >= y && sx < 28 && sy < 28 ? pixels[sy * 28 + sx] & 0xFF : 0;
        int v = 255 - ink;
        image.setRGB(px, py, (v << 16) | (v << 8) | v);
      }
    }
    return image;
  }

  static byte[] png(BufferedImage image) {
    return encode(image, "png");
  }

  static byte[] encode(BufferedImage image, String format) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
