package dev.digitlab.server.feedback;

import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.server.serving.PredictionInputs;
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
    byte[] labels = new byte[n];
    for (int i = 0; i < n; i++) {
      byte[] mnist = inputs.fromBytes(images.read(feedback.get(i).imageFile())).mnist();
      System.arraycopy(mnist, 0, pixels, i * Classifier.PIXELS, Classifier.PIXELS);
      labels[i] = (byte) feedback.get(i).label();
    }
    return new ImageSet(Classifier.SIDE, Classifier.SIDE, pixels, labels);
  }
}
