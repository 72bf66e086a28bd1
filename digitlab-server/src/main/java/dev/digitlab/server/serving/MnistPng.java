package dev.digitlab.server.serving;

import dev.digitlab.ml.infer.Classifier;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import javax.imageio.ImageIO;

/** An image in MNIST form (784 gray bytes) as a 28×28 grayscale PNG. */
public final class MnistPng {

  private MnistPng() {}

  public static byte[] encode(byte[] mnist) {
    BufferedImage image =
        new BufferedImage(Classifier.SIDE, Classifier.SIDE, BufferedImage.TYPE_BYTE_GRAY);
    image.getRaster().setDataElements(0, 0, Classifier.SIDE, Classifier.SIDE, mnist);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
    return out.toByteArray();
  }
}
