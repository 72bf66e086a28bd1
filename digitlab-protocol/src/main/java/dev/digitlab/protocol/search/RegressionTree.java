package dev.digitlab.protocol.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A regression tree grown as scikit-learn's {@code DecisionTreeRegressor} grows one inside the
 * {@code RandomForestRegressor} that Optuna's fANOVA fits: squared error, every feature tried at
 * every node (in a random order, which only breaks ties), the best threshold halfway between two
 * neighbouring distinct values, grown until a node is pure, has one sample, or reaches {@code
 * maxDepth}. Samples carry weights (a forest's bootstrap counts; zero-weight samples are left out).
 */
final class RegressionTree {

  // scikit-learn's constants: values closer than FEATURE_THRESHOLD are one value, and a node whose
  // impurity is within EPSILON of zero is a leaf.
  private static final double FEATURE_THRESHOLD = 1e-7;
  private static final double EPSILON = Math.ulp(1.0);

  private final List<Integer> feature = new ArrayList<>();
  private final List<Double> threshold = new ArrayList<>();
  private final List<Integer> left = new ArrayList<>();
  private final List<Integer> right = new ArrayList<>();
  private final List<Double> value = new ArrayList<>();

  private final double[][] x;
  private final double[] y;
  private final double[] weight;
  private final int maxDepth;
  private final Random rng;

  private RegressionTree(double[][] x, double[] y, double[] weight, int maxDepth, Random rng) {
    this.x = x;
    this.y = y;
    this.weight = weight;
    this.maxDepth = maxDepth;
    this.rng = rng;
  }

  /** Grows a tree on the rows of {@code x} with a positive weight, as a {@link FanovaTree}. */
  static FanovaTree grow(
      double[][] x, double[] y, double[] weight, int maxDepth, Random rng, double[][] bounds) {
    RegressionTree tree = new RegressionTree(x, y, weight, maxDepth, rng);
    int[] samples =
        java.util.stream.IntStream.range(0, y.length).filter(i -> weight[i] > 0).toArray();
    tree.build(samples, 0);
    int n = tree.feature.size();
    int[] f = new int[n];
    double[] t = new double[n];
    int[] l = new int[n];
    int[] r = new int[n];
    double[] v = new double[n];
    for (int i = 0; i < n; i++) {
      f[i] = tree.feature.get(i);
      t[i] = tree.threshold.get(i);
      l[i] = tree.left.get(i);
      r[i] = tree.right.get(i);
      v[i] = tree.value.get(i);
    }
    return new FanovaTree(f, t, l, r, v, bounds);
  }

  /** Adds the node for {@code samples} and its subtree, pre-order; returns its index. */
  private int build(int[] samples, int depth) {
    int node = feature.size();
    feature.add(-1);
    threshold.add(Double.NaN);
    left.add(-1);
    right.add(-1);
    double sumW = 0;
    double sumWy = 0;
    double sumWyy = 0;
    for (int i : samples) {
      sumW += weight[i];
      sumWy += weight[i] * y[i];
      sumWyy += weight[i] * y[i] * y[i];
    }
    double mean = sumWy / sumW;
    value.add(mean);
    double impurity = sumWyy / sumW - mean * mean;
    if (depth >= maxDepth || samples.length < 2 || impurity <= EPSILON) {
      return node;
    }
    Split best = bestSplit(samples, sumW, sumWy);
    if (best == null) {
      return node;
    }
    List<Integer> goLeft = new ArrayList<>();
    List<Integer> goRight = new ArrayList<>();
    for (int i : samples) {
      (x[i][best.feature] <= best.threshold ? goLeft : goRight).add(i);
    }
    feature.set(node, best.feature);
    threshold.set(node, best.threshold);
    left.set(node, build(goLeft.stream().mapToInt(Integer::intValue).toArray(), depth + 1));
    right.set(node, build(goRight.stream().mapToInt(Integer::intValue).toArray(), depth + 1));
    return node;
  }

  private record Split(int feature, double threshold) {}

  /**
   * The split with the largest decrease in weighted squared error (scikit-learn's proxy: Σ²/w on
   * each side), or null when every feature is constant on these samples.
   */
  private Split bestSplit(int[] samples, double sumW, double sumWy) {
    int features = x[0].length;
    int[] order = new int[features];
    for (int f = 0; f < features; f++) {
      order[f] = f;
    }
    // Random feature order (Fisher–Yates); the first strictly best split wins.
    for (int i = features - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int tmp = order[i];
      order[i] = order[j];
      order[j] = tmp;
    }
    Split best = null;
    double bestProxy = Double.NEGATIVE_INFINITY;
    Integer[] sorted = new Integer[samples.length];
    for (int f : order) {
      for (int k = 0; k < samples.length; k++) {
        sorted[k] = samples[k];
      }
      Arrays.sort(sorted, (a, b) -> Double.compare(x[a][f], x[b][f]));
      int n = sorted.length;
      if (x[sorted[n - 1]][f] <= x[sorted[0]][f] + FEATURE_THRESHOLD) {
        continue;
      }
      double leftW = 0;
      double leftWy = 0;
      for (int p = 1; p < n; p++) {
        int previous = sorted[p - 1];
        leftW += weight[previous];
        leftWy += weight[previous] * y[previous];
        double below = x[previous][f];
        double above = x[sorted[p]][f];
        if (above <= below + FEATURE_THRESHOLD) {
          continue;
        }
        double rightW = sumW - leftW;
        double rightWy = sumWy - leftWy;
        double proxy = leftWy * leftWy / leftW + rightWy * rightWy / rightW;
        if (proxy > bestProxy) {
          bestProxy = proxy;
          double t = below / 2.0 + above / 2.0;
          if (t == above || Double.isInfinite(t)) {
            t = below;
          }
          best = new Split(f, t);
        }
      }
    }
    return best;
  }
}
