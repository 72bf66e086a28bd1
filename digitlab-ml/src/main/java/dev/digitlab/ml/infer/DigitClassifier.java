package dev.digitlab.ml.infer;

import java.util.List;

/**
 * Whatever answers predictions for 28×28 digit images, whichever engine runs it: a Digit Lab model
 * on DJL ({@link Classifier}) or an imported ONNX model on ONNX Runtime (in the server). Serving,
 * the playground and the quality gate use only this, so they do not care which engine answers.
 *
 * <p>Implementations are thread-safe: one instance serves concurrent requests.
 */
public interface DigitClassifier extends AutoCloseable {

  /**
   * Predictions for a batch of images, each {@link Classifier#PIXELS} unsigned bytes row by row
   * (MNIST form: white ink on black), in order.
   *
   * @throws IllegalArgumentException when an image has another size
   */
  List<Prediction> predict(List<byte[]> images);

  /** The prediction for one image of {@link Classifier#PIXELS} unsigned bytes, row by row. */
  default Prediction predict(byte[] image) {
    return predict(List.of(image)).getFirst();
  }

  @Override
  void close();
}
