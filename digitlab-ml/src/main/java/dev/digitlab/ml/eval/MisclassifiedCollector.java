package dev.digitlab.ml.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * Keeps the misclassified examples of one evaluation, at most {@code capacity} of them: the ones
 * the model was most confident about, since those are the most telling "digits a model gets wrong".
 * Not thread-safe.
 *
 * <p>Order: descending confidence, then ascending test index. Because ties are broken by index,
 * what is kept and in which order does not depend on the order examples are offered in.
 */
public final class MisclassifiedCollector {

  /** Most confident first; among equal confidences, the earlier test example first. */
  private static final Comparator<Misclassified> MOST_CONFIDENT_FIRST =
      Comparator.comparingDouble(Misclassified::confidence)
          .reversed()
          .thenComparingInt(Misclassified::index);

  private final int capacity;
  // Head = the example that is evicted first when the collector is full.
  private final PriorityQueue<Misclassified> kept =
      new PriorityQueue<>(MOST_CONFIDENT_FIRST.reversed());
  private long mistakes;

  /**
   * A collector that keeps up to {@code capacity} examples; 0 only counts mistakes. All of MNIST's
   * test set fits in 10,000.
   */
  public MisclassifiedCollector(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative, got " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Considers one test example; a correct prediction is ignored.
   *
   * @return whether the example was misclassified (whether or not it is kept)
   */
  public boolean offer(int index, int actual, int predicted, float confidence) {
    if (actual == predicted) {
      return false;
    }
    mistakes++;
    if (Float.isNaN(confidence)) {
      // A diverged model's outputs are NaN: a mistake to count, with no confidence to rank it by.
      return true;
    }
    Misclassified example = new Misclassified(index, actual, predicted, confidence);
    if (kept.size() < capacity) {
      kept.add(example);
    } else if (capacity > 0 && MOST_CONFIDENT_FIRST.compare(example, kept.peek()) < 0) {
      kept.poll();
      kept.add(example);
    }
    return true;
  }

  /**
   * Considers one test example from its row of logits {@code logits[offset .. offset + k)}: the
   * prediction is the arg-max and the confidence its softmax probability.
   *
   * @return whether the example was misclassified (whether or not it is kept)
   */
  public boolean offerLogits(int index, int actual, float[] logits, int offset, int k) {
    int predicted = Probabilities.argmax(logits, offset, k);
    if (predicted == actual) {
      return false;
    }
    float confidence = Probabilities.softmax(logits, offset, k)[predicted];
    return offer(index, actual, predicted, confidence);
  }

  /** Number of misclassified examples offered, including those not kept. */
  public long mistakes() {
    return mistakes;
  }

  /** The {@code n} kept examples the model was most confident about, most confident first. */
  public List<Misclassified> mostConfident(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must not be negative, got " + n);
    }
    List<Misclassified> sorted = new ArrayList<>(kept);
    sorted.sort(MOST_CONFIDENT_FIRST);
    return List.copyOf(sorted.subList(0, Math.min(n, sorted.size())));
  }

  /** All kept examples, most confident first. */
  public List<Misclassified> kept() {
    return mostConfident(kept.size());
  }
}
