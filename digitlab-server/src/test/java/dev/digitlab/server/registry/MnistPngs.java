package dev.digitlab.server.registry;

import dev.digitlab.ml.data.IdxReader;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.server.testing.MnistDataHome;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Real MNIST test images as PNG files, as a user would upload them. */
final class MnistPngs {

  static final Path DATA_HOME = MnistDataHome.PATH;

  private MnistPngs() {}

  static ImageSet test() {
    Path dir = DATA_HOME.resolve("datasets/mnist");
    return IdxReader.read(
        dir.resolve("t10k-images-idx3-ubyte"), dir.resolve("t10k-labels-idx1-ubyte"));
  }

  /** Image {@code i} as a 28×28 grayscale PNG, white digit on black, as MNIST stores it. */
  static byte[] png(ImageSet set, int i) {
    return encode(image(set, i));
  }

  /** Image {@code i} as a 28×28 grayscale image. */
  static BufferedImage image(ImageSet set, int i) {
    BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
    byte[] pixels = new byte[784];
    System.arraycopy(set.pixels(), i * 784, pixels, 0, 784);
    image.getRaster().setDataElements(0, 0, 28, 28, pixels);
    return image;
  }

  static byte[] encode(BufferedImage image) {
    return encode(image, "png");
  }

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, format, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
