package dev.digitlab.server.feedback;

import dev.digitlab.ml.data.IdxWriter;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.server.serving.PredictionInputs;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import org.springframework.stereotype.Component;

/** Feedback images in MNIST form as an {@link ImageSet}, for training, evaluation and export. */
@Component
public class FeedbackSet {

  private final FeedbackImages images;
  private final PredictionInputs inputs;

  FeedbackSet(FeedbackImages images, PredictionInputs inputs) {
    this.images = images;
    this.inputs = inputs;
  }

  /** The images, preprocessed exactly as predictions are, with their labels, in list order. */
  public ImageSet of(List<Feedback> feedback) {
    int n = feedback.size();
    byte[] pixels = new byte[n * Classifier.PIXELS];
    for (int i = 0; i < n; i++) {
      System.arraycopy(mnist(feedback.get(i)), 0, pixels, i * Classifier.PIXELS, Classifier.PIXELS);
    }
    return new ImageSet(Classifier.SIDE, Classifier.SIDE, pixels, labels(feedback));
  }

  /**
   * Writes the IDX image file of {@code feedback} ({@link #imageFileSize} bytes) one image at a
   * time: an export holds one image in memory, not the whole set (a model with 100,000 feedback
   * images held 78 MB twice over).
   */
  public void writeImages(List<Feedback> feedback, OutputStream out) throws IOException {
    out.write(IdxWriter.imageHeader(feedback.size(), Classifier.SIDE, Classifier.SIDE));
    for (Feedback f : feedback) {
      out.write(mnist(f));
    }
  }

  /** Writes the IDX label file of {@code feedback}: the stored labels, no image is read. */
  public static void writeLabels(List<Feedback> feedback, OutputStream out) throws IOException {
    out.write(IdxWriter.labelHeader(feedback.size()));
    out.write(labels(feedback));
  }

  public static long imageFileSize(int count) {
    return 16 + (long) count * Classifier.PIXELS;
  }

  public static long labelFileSize(int count) {
    return 8 + (long) count;
  }

  private byte[] mnist(Feedback feedback) {
    return inputs.fromBytes(images.read(feedback.imageFile())).mnist();
  }

  private static byte[] labels(List<Feedback> feedback) {
    byte[] labels = new byte[feedback.size()];
    for (int i = 0; i < labels.length; i++) {
      labels[i] = (byte) feedback.get(i).label();
    }
    return labels;
  }
}
