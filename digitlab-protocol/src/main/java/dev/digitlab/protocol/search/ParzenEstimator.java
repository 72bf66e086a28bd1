package dev.digitlab.protocol.search;

import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * A Parzen estimator as Optuna's {@code _ParzenEstimator} builds it: one product kernel per
 * observation (over every parameter for the multivariate TPE, over one for the independent TPE)
 * plus a prior kernel of weight 1 (truncated normals on the range, in log space for a log range,
 * with the Optuna "magic clip" of the bandwidths and no endpoint kernels; for a categorical, each
 * observation's row adds 1 to its choice over a prior spread evenly), mixed by Optuna's default
 * weights.
 */
final class ParzenEstimator {

  private static final double PRIOR_WEIGHT = 1.0;

  private final double[] weights;
  private final Dimension[] dimensions;

  /**
   * @param observations one row per observation, one column per distribution, internal values, in
   *     trial-number order (older first: Optuna's weights ramp up towards newer trials past 25)
   */
  ParzenEstimator(double[][] observations, List<Distribution> distributions) {
    int n = observations.length;
    double[] w = new double[n + 1];
    System.arraycopy(defaultWeights(n), 0, w, 0, n);
    w[n] = n == 0 ? 1.0 : PRIOR_WEIGHT;
    double sum = Arrays.stream(w).sum();
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    this.weights = w;
    dimensions = new Dimension[distributions.size()];
    for (int d = 0; d < dimensions.length; d++) {
      double[] column = new double[n];
      for (int i = 0; i < n; i++) {
        column[i] = observations[i][d];
      }
      dimensions[d] = new Dimension(column, distributions.get(d));
    }
  }

  /** Optuna's {@code default_weights}: flat up to 25, then a ramp from 1/n for the oldest. */
  static double[] defaultWeights(int n) {
    double[] w = new double[n];
    if (n < 25) {
      Arrays.fill(w, 1.0);
      return w;
    }
    int ramp = n - 25;
    for (int i = 0; i < ramp; i++) {
      // numpy.linspace(1/n, 1, num=ramp)
      w[i] = ramp == 1 ? 1.0 / n : 1.0 / n + (1.0 - 1.0 / n) * i / (ramp - 1);
    }
    Arrays.fill(w, ramp, n, 1.0);
    return w;
  }

  /** {@code size} draws from the mixture: rows of internal values, one column per dimension. */
  double[][] sample(Random rng, int size) {
    double[] cumulative = new double[weights.length];
    double running = 0;
    for (int i = 0; i < weights.length; i++) {
      running += weights[i];
      cumulative[i] = running;
    }
    double[][] out = new double[size][dimensions.length];
    for (int s = 0; s < size; s++) {
      double u = rng.nextDouble() * running;
      int k = 0;
      while (k < cumulative.length - 1 && cumulative[k] <= u) {
        k++;
      }
      // One kernel for every dimension: the product kernel of one observation.
      for (int d = 0; d < dimensions.length; d++) {
        out[s][d] = dimensions[d].sample(k, rng.nextDouble());
      }
    }
    return out;
  }

  /** The mixture's log density (log mass for whole numbers and choices) at a row of values. */
  double logPdf(double[] x) {
    int kernels = weights.length;
    double max = Double.NEGATIVE_INFINITY;
    double[] terms = new double[kernels];
    for (int k = 0; k < kernels; k++) {
      double t = Math.log(weights[k]);
      for (int d = 0; d < dimensions.length; d++) {
        t += dimensions[d].logPdf(k, x[d]);
      }
      terms[k] = t;
      max = Math.max(max, t);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    double sum = 0;
    for (double t : terms) {
      sum += Math.exp(t - max);
    }
    return Math.log(sum) + max;
  }

  /** The kernels of one parameter: truncated normals for ranges, choice rows for categoricals. */
  private static final class Dimension {
    private final Distribution distribution;
    // Numerical kernels, in the transformed (log for log ranges) space.
    private final double[] mus;
    private final double[] sigmas;
    private final double low;
    private final double high;
    // Categorical kernels: one row of choice probabilities each.
    private final double[][] choiceWeights;

    Dimension(double[] observations, Distribution distribution) {
      this.distribution = distribution;
      int n = observations.length;
      switch (distribution) {
        case Categorical categorical -> {
          int k = categorical.size();
          if (n == 0) {
            choiceWeights = new double[][] {filled(k, 1.0 / k)};
          } else {
            int kernels = n + 1;
            choiceWeights = new double[kernels][];
            for (int i = 0; i < kernels; i++) {
              double[] row = filled(k, PRIOR_WEIGHT / kernels);
              if (i < n) {
                row[(int) observations[i]] += 1;
              }
              double rowSum = Arrays.stream(row).sum();
              for (int j = 0; j < k; j++) {
                row[j] /= rowSum;
              }
              choiceWeights[i] = row;
            }
          }
          mus = null;
          sigmas = null;
          low = Double.NaN;
          high = Double.NaN;
        }
        case FloatRange range -> {
          choiceWeights = null;
          low = range.log() ? Math.log(range.low()) : range.low();
          high = range.log() ? Math.log(range.high()) : range.high();
          mus = new double[n + 1];
          sigmas = new double[n + 1];
          kernels(observations, range.log());
        }
        case IntRange range -> {
          choiceWeights = null;
          low = range.log() ? Math.log(range.low() - 0.5) : range.low() - 0.5;
          high = range.log() ? Math.log(range.high() + 0.5) : range.high() + 0.5;
          mus = new double[n + 1];
          sigmas = new double[n + 1];
          kernels(observations, range.log());
        }
      }
    }

    private static double[] filled(int k, double value) {
      double[] row = new double[k];
      Arrays.fill(row, value);
      return row;
    }

    /** Kernel centres and bandwidths: the wider gap to a neighbour, clipped (Optuna). */
    private void kernels(double[] observations, boolean log) {
      int n = observations.length;
      for (int i = 0; i < n; i++) {
        mus[i] = log ? Math.log(observations[i]) : observations[i];
      }
      if (n > 0) {
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
          order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(mus[x], mus[y]));
        double[] sorted = new double[n + 2];
        sorted[0] = low;
        for (int i = 0; i < n; i++) {
          sorted[i + 1] = mus[order[i]];
        }
        sorted[n + 1] = high;
        double[] sortedSigmas = new double[n];
        for (int i = 0; i < n; i++) {
          sortedSigmas[i] = Math.max(sorted[i + 1] - sorted[i], sorted[i + 2] - sorted[i + 1]);
        }
        if (n + 2 >= 4) {
          // consider_endpoints=False: the outermost kernels look inwards only.
          sortedSigmas[0] = sorted[2] - sorted[1];
          sortedSigmas[n - 1] = sorted[n] - sorted[n - 1];
        }
        double maxSigma = high - low;
        // consider_magic_clip: no bandwidth below range / min(100, 1 + kernels).
        double minSigma = (high - low) / Math.min(100.0, 1.0 + (n + 1));
        for (int i = 0; i < n; i++) {
          sigmas[order[i]] = Math.min(maxSigma, Math.max(minSigma, sortedSigmas[i]));
        }
      }
      mus[n] = 0.5 * (low + high);
      sigmas[n] = high - low;
    }

    double sample(int k, double u) {
      return switch (distribution) {
        case Categorical categorical -> {
          double[] row = choiceWeights[k];
          double c = 0;
          int j = 0;
          for (; j < row.length - 1; j++) {
            c += row[j];
            if (c >= u) {
              break;
            }
          }
          yield j;
        }
        case FloatRange range -> {
          double x = truncatedDraw(k, u);
          x = range.log() ? Math.exp(x) : x;
          yield Math.min(range.high(), Math.max(range.low(), x));
        }
        case IntRange range -> {
          double x = truncatedDraw(k, u);
          x = range.log() ? Math.exp(x) : x;
          double rounded = range.low() + Math.rint(x - range.low());
          yield Math.min(range.high(), Math.max(range.low(), rounded));
        }
      };
    }

    private double truncatedDraw(int k, double u) {
      double mu = mus[k];
      double sigma = sigmas[k];
      return TruncatedNormal.ppf(u, (low - mu) / sigma, (high - mu) / sigma) * sigma + mu;
    }

    double logPdf(int k, double x) {
      return switch (distribution) {
        case Categorical categorical -> Math.log(choiceWeights[k][(int) x]);
        case FloatRange range -> {
          double t = range.log() ? Math.log(x) : x;
          yield TruncatedNormal.logPdf(
              t, (low - mus[k]) / sigmas[k], (high - mus[k]) / sigmas[k], mus[k], sigmas[k]);
        }
        case IntRange range -> {
          double left = range.log() ? Math.log(x - 0.5) : x - 0.5;
          double right = range.log() ? Math.log(x + 0.5) : x + 0.5;
          double mu = mus[k];
          double sigma = sigmas[k];
          yield TruncatedNormal.logGaussMass((left - mu) / sigma, (right - mu) / sigma)
              - TruncatedNormal.logGaussMass((low - mu) / sigma, (high - mu) / sigma);
        }
      };
    }
  }
}
