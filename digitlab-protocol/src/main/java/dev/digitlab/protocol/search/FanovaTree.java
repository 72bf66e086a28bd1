package dev.digitlab.protocol.search;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.TreeSet;

/**
 * One regression tree read as fANOVA reads it (Hutter et al. 2014), ported from Optuna's {@code
 * importance/_fanova/_tree.py}: the tree's prediction is a piecewise-constant function over the
 * search space's box, and the variance of that function, and of its marginal over a group of
 * features, follow from the leaves' boxes without sampling.
 *
 * <p>Nodes are numbered with every parent before its children (a pre-order, as scikit-learn's and
 * {@link RegressionTree}'s builders number them); {@code feature[i] < 0} marks a leaf.
 */
final class FanovaTree {

  private final int[] feature;
  private final double[] threshold;
  private final int[] left;
  private final int[] right;
  private final double[][] bounds;
  // Per node: the average prediction over its box, and the box's volume.
  private final double[] statValue;
  private final double[] statWeight;
  private final double[][] midpoints;
  private final double[][] sizes;
  private final boolean[][] subtreeFeatures;
  private final double variance;

  /**
   * @param bounds the search space, one {low, high} per (encoded) feature
   */
  FanovaTree(
      int[] feature,
      double[] threshold,
      int[] left,
      int[] right,
      double[] value,
      double[][] bounds) {
    this.feature = feature;
    this.threshold = threshold;
    this.left = left;
    this.right = right;
    this.bounds = bounds;
    int nodes = feature.length;
    int features = bounds.length;
    statValue = new double[nodes];
    statWeight = new double[nodes];
    double[][][] boxes = new double[nodes][][];
    boxes[0] = copy(bounds);
    for (int node = 0; node < nodes; node++) {
      if (feature[node] < 0) {
        statValue[node] = value[node];
        statWeight[node] = cardinality(boxes[node]);
      } else {
        boxes[left[node]] = narrowed(boxes[node], feature[node], 1, threshold[node]);
        boxes[right[node]] = narrowed(boxes[node], feature[node], 0, threshold[node]);
      }
    }
    for (int node = nodes - 1; node >= 0; node--) {
      if (feature[node] >= 0) {
        double wl = statWeight[left[node]];
        double wr = statWeight[right[node]];
        statValue[node] = (statValue[left[node]] * wl + statValue[right[node]] * wr) / (wl + wr);
        statWeight[node] = wl + wr;
      }
    }
    // Each feature's split values, sorted, between its bounds: the cells of its marginal.
    List<TreeSet<Double>> splits = new ArrayList<>();
    for (int f = 0; f < features; f++) {
      splits.add(new TreeSet<>());
    }
    for (int node = 0; node < nodes; node++) {
      if (feature[node] >= 0) {
        splits.get(feature[node]).add(threshold[node]);
      }
    }
    midpoints = new double[features][];
    sizes = new double[features][];
    for (int f = 0; f < features; f++) {
      double[] edges = new double[splits.get(f).size() + 2];
      edges[0] = bounds[f][0];
      int i = 1;
      for (double s : splits.get(f)) {
        edges[i++] = s;
      }
      edges[i] = bounds[f][1];
      midpoints[f] = new double[edges.length - 1];
      sizes[f] = new double[edges.length - 1];
      for (int j = 0; j < edges.length - 1; j++) {
        midpoints[f][j] = 0.5 * (edges[j + 1] + edges[j]);
        sizes[f][j] = edges[j + 1] - edges[j];
      }
    }
    subtreeFeatures = new boolean[nodes][features];
    for (int node = nodes - 1; node >= 0; node--) {
      if (feature[node] >= 0) {
        subtreeFeatures[node][feature[node]] = true;
        for (int child : new int[] {left[node], right[node]}) {
          for (int f = 0; f < features; f++) {
            subtreeFeatures[node][f] |= subtreeFeatures[child][f];
          }
        }
      }
    }
    variance = leafVariance();
  }

  /** The variance of the tree's prediction over the whole box. */
  double variance() {
    return variance;
  }

  private double leafVariance() {
    double sumW = 0;
    double sumWv = 0;
    for (int node = 0; node < feature.length; node++) {
      if (feature[node] < 0) {
        sumW += statWeight[node];
        sumWv += statWeight[node] * statValue[node];
      }
    }
    double mean = sumWv / sumW;
    double sq = 0;
    for (int node = 0; node < feature.length; node++) {
      if (feature[node] < 0) {
        double d = statValue[node] - mean;
        sq += statWeight[node] * d * d;
      }
    }
    return sq / sumW;
  }

  /**
   * The variance of the marginal prediction over {@code features} (the others averaged out): one
   * marginal value per cell of the features' split grid, weighted by the cell's size.
   */
  double marginalVariance(int[] features) {
    int[] counts = new int[features.length];
    int cells = 1;
    for (int i = 0; i < features.length; i++) {
      counts[i] = midpoints[features[i]].length;
      cells *= counts[i];
    }
    double[] values = new double[cells];
    double[] weights = new double[cells];
    double[] sample = new double[bounds.length];
    int[] index = new int[features.length];
    for (int cell = 0; cell < cells; cell++) {
      Arrays.fill(sample, Double.NaN);
      double size = 1;
      for (int i = 0; i < features.length; i++) {
        sample[features[i]] = midpoints[features[i]][index[i]];
        size *= sizes[features[i]][index[i]];
      }
      double[] marginal = marginalized(sample);
      values[cell] = marginal[0];
      weights[cell] = marginal[1] * size;
      // Next cell, the last feature fastest (itertools.product's order).
      for (int i = features.length - 1; i >= 0; i--) {
        if (++index[i] < counts[i]) {
          break;
        }
        index[i] = 0;
      }
    }
    double sumW = 0;
    double sumWv = 0;
    for (int c = 0; c < cells; c++) {
      sumW += weights[c];
      sumWv += weights[c] * values[c];
    }
    double mean = sumWv / sumW;
    double sq = 0;
    for (int c = 0; c < cells; c++) {
      sq += weights[c] * (values[c] - mean) * (values[c] - mean);
    }
    return sq / sumW;
  }

  /** Optuna's {@code _get_marginalized_statistics}: {value, weight} at a partly NaN point. */
  private double[] marginalized(double[] sample) {
    int features = bounds.length;
    double[][] start = copy(bounds);
    boolean[] active = new boolean[features];
    for (int f = 0; f < features; f++) {
      active[f] = !Double.isNaN(sample[f]);
      if (!active[f]) {
        // A marginalised feature counts with cardinality 1.
        start[f] = new double[] {0.0, 1.0};
      }
    }
    Deque<Integer> nodes = new ArrayDeque<>();
    Deque<double[][]> boxes = new ArrayDeque<>();
    nodes.push(0);
    boxes.push(start);
    double sumW = 0;
    double sumWv = 0;
    while (!nodes.isEmpty()) {
      int node = nodes.pop();
      double[][] box = boxes.pop();
      int f = feature[node];
      if (f >= 0) {
        double response = sample[f];
        if (!Double.isNaN(response)) {
          if (response <= threshold[node]) {
            nodes.push(left[node]);
            boxes.push(narrowed(box, f, 1, threshold[node]));
          } else {
            nodes.push(right[node]);
            boxes.push(narrowed(box, f, 0, threshold[node]));
          }
          continue;
        }
        boolean splitsOnActive = false;
        for (int g = 0; g < features && !splitsOnActive; g++) {
          splitsOnActive = active[g] && subtreeFeatures[node][g];
        }
        if (splitsOnActive) {
          nodes.push(left[node]);
          boxes.push(box);
          nodes.push(right[node]);
          boxes.push(box);
          continue;
        }
      }
      double w = statWeight[node] / cardinality(box);
      sumW += w;
      sumWv += w * statValue[node];
    }
    return new double[] {sumWv / sumW, sumW};
  }

  private static double cardinality(double[][] box) {
    double product = 1;
    for (double[] range : box) {
      product *= range[1] - range[0];
    }
    return product;
  }

  private static double[][] narrowed(double[][] box, int f, int side, double threshold) {
    double[][] out = box.clone();
    out[f] = box[f].clone();
    out[f][side] = threshold;
    return out;
  }

  private static double[][] copy(double[][] box) {
    double[][] out = new double[box.length][];
    for (int i = 0; i < box.length; i++) {
      out[i] = box[i].clone();
    }
    return out;
  }
}
