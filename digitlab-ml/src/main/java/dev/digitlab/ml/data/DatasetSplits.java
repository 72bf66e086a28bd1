package dev.digitlab.ml.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * Stratified, seeded splits and subsets of an {@link ImageSet}.
 *
 * <p>Deterministic: the same set (same order), arguments and seed give the same images on every
 * run, JVM and platform, because {@link Random}'s algorithm is fixed by its specification (unlike
 * {@code SplittableRandom}'s). Each class keeps its share of the images, up to rounding by the
 * largest-remainder method, so small subsets still contain every digit. Results keep the images in
 * their original order. The test set should never go through here to pick training data.
 */
public final class DatasetSplits {

  private DatasetSplits() {}

  /**
   * Holds out {@code validationRatio} of {@code train} for validation; a ratio of 0 gives an empty
   * validation set.
   */
  public static TrainValidation trainValidation(ImageSet train, double validationRatio, long seed) {
    if (!(validationRatio >= 0 && validationRatio < 1)) {
      throw new IllegalArgumentException(
          "validation ratio must be at least 0 and less than 1, got " + validationRatio);
    }
    int validationSize = (int) Math.round(validationRatio * train.size());
    int[][] picked = pick(train, validationSize, seed);
    return new TrainValidation(train.select(picked[1]), train.select(picked[0]));
  }

  /** {@code n} images of {@code set} in the same class proportions; the whole set if n ≥ size. */
  public static ImageSet stratifiedSubset(ImageSet set, int n, long seed) {
    if (n < 0) {
      throw new IllegalArgumentException("subset size must not be negative, got " + n);
    }
    if (n >= set.size()) {
      return set;
    }
    return set.select(pick(set, n, seed)[0]);
  }

  /** Chooses {@code n} indices stratified by label; returns {chosen, the rest}, both sorted. */
  private static int[][] pick(ImageSet set, int n, long seed) {
    List<List<Integer>> byLabel = new ArrayList<>();
    for (int label = 0; label < 256; label++) {
      byLabel.add(new ArrayList<>());
    }
    for (int i = 0; i < set.size(); i++) {
      byLabel.get(set.label(i)).add(i);
    }
    int[] quota = allocate(byLabel, set.size(), n);
    Random random = new Random(seed);
    boolean[] chosen = new boolean[set.size()];
    for (int label = 0; label < 256; label++) {
      List<Integer> indices = byLabel.get(label);
      // Partial Fisher–Yates: the first quota[label] positions become a uniform random sample.
      for (int k = 0; k < quota[label]; k++) {
        int j = k + random.nextInt(indices.size() - k);
        Integer swap = indices.get(k);
        indices.set(k, indices.get(j));
        indices.set(j, swap);
        chosen[indices.get(k)] = true;
      }
    }
    int[] picked = new int[n];
    int[] rest = new int[set.size() - n];
    int p = 0;
    int r = 0;
    for (int i = 0; i < chosen.length; i++) {
      if (chosen[i]) {
        picked[p++] = i;
      } else {
        rest[r++] = i;
      }
    }
    return new int[][] {picked, rest};
  }

  /** Largest remainder: floor of each class's exact share, then one more to the largest rests. */
  private static int[] allocate(List<List<Integer>> byLabel, int total, int n) {
    int[] quota = new int[byLabel.size()];
    long[] remainder = new long[byLabel.size()];
    int given = 0;
    if (total == 0) {
      return quota;
    }
    for (int label = 0; label < byLabel.size(); label++) {
      long exact = (long) byLabel.get(label).size() * n; // share = exact / total
      quota[label] = (int) (exact / total);
      remainder[label] = exact % total;
      given += quota[label];
    }
    Integer[] order = new Integer[byLabel.size()];
    Arrays.setAll(order, i -> i);
    // Ties go to the smaller label so that the result never depends on sort stability.
    Arrays.sort(
        order,
        Comparator.<Integer>comparingLong(label -> -remainder[label])
            .thenComparingInt(label -> label));
    for (int k = 0; given < n; k++) {
      quota[order[k]]++;
      given++;
    }
    return quota;
  }
}
