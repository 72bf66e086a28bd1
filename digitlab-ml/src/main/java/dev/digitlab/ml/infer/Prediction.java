package dev.digitlab.ml.infer;

/**
 * A classifier's answer for one image.
 *
 * @param digit the most probable class; the first one on a tie
 * @param probabilities the softmax of the logits, one per class 0–9 (do not modify)
 */
public record Prediction(int digit, float[] probabilities) {

  /** The probability of the predicted digit. */
  public float confidence() {
    return probabilities[digit];
  }
}
