package dev.digitlab.server.serving;

import dev.digitlab.ml.infer.Classifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A batch of images sent as a tensor by a standard serving protocol (KServe V2, MLflow): pixel
 * values 0–255, row by row, in one of the shapes {@code [N, 1, 28, 28]}, {@code [N, 28, 28]},
 * {@code [N, 784]} or one image's {@code [1, 28, 28]}, {@code [28, 28]}, {@code [784]} — the input
 * of the ONNX form of every model. The values go to the model as they are: unlike an uploaded
 * picture, a tensor is taken to be in MNIST form already (no centring, no inversion), and
 * fractional values are rounded to the nearest integer, the precision the models were trained at.
 */
public final class ImageTensor {

  private ImageTensor() {}

  /** The images of a tensor whose values are {@code values}, row-major, in {@code shape}. */
  public static List<byte[]> images(long[] shape, double[] values, int maxBatch) {
    long elements = 1;
    for (long dim : shape) {
      if (dim < 0) {
        throw new TensorException("shape " + Arrays.toString(shape) + " has a negative dimension");
      }
      // Larger than any body we accept anyway; saturate rather than overflow.
      elements =
          dim > Integer.MAX_VALUE || elements > Integer.MAX_VALUE ? Long.MAX_VALUE : elements * dim;
    }
    int batch = batchSize(shape);
    if (elements != values.length) {
      throw new TensorException(
          "shape "
              + Arrays.toString(shape)
              + " holds "
              + elements
              + " values but "
              + values.length
              + " were sent");
    }
    if (batch == 0) {
      throw new TensorException("the tensor holds no image; send at least one");
    }
    if (batch > maxBatch) {
      throw new TensorException(
          "at most "
              + maxBatch
              + " images per request, got "
              + batch
              + " (digitlab.serving.max-batch)");
    }
    List<byte[]> images = new ArrayList<>(batch);
    for (int n = 0; n < batch; n++) {
      byte[] image = new byte[Classifier.PIXELS];
      for (int p = 0; p < Classifier.PIXELS; p++) {
        int index = n * Classifier.PIXELS + p;
        double value = values[index];
        if (!(value >= 0 && value <= 255)) {
          throw new TensorException(
              "value " + index + " is " + value + "; pixel values must be 0–255");
        }
        image[p] = (byte) Math.round(value);
      }
      images.add(image);
    }
    return images;
  }

  /** How many images a tensor of {@code shape} holds, or an error naming the shapes accepted. */
  static int batchSize(long[] shape) {
    boolean image =
        switch (shape.length) {
          case 1 -> shape[0] == Classifier.PIXELS;
          case 2 -> shape[1] == Classifier.PIXELS || (shape[0] == 28 && shape[1] == 28);
          case 3 -> shape[1] == 28 && shape[2] == 28;
          case 4 -> shape[1] == 1 && shape[2] == 28 && shape[3] == 28;
          default -> false;
        };
    if (!image) {
      throw new TensorException(
          "shape "
              + Arrays.toString(shape)
              + " is not a batch of 28×28 images; send [N, 1, 28, 28], [N, 28, 28] or [N, 784]");
    }
    if (shape.length == 1 || (shape.length == 2 && shape[1] == 28 && shape[0] == 28)) {
      return 1;
    }
    return (int) Math.min(shape[0], Integer.MAX_VALUE);
  }

  /** A tensor the protocols cannot use; each protocol answers it 400 in its own error shape. */
  public static final class TensorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TensorException(String message) {
      super(message);
    }
  }
}
