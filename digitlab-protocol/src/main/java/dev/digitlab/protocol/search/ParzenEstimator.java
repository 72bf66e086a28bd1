package dev.digitlab.protocol.search;

import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.util.Arrays;
import java.util.List;

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
    double sum = numpySum(w, 0, w.length);
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
    // numpy.linspace(1/n, 1, num=ramp), operation for operation: i · (Δ / (ramp − 1)) + 1/n, and
    // the last exactly 1.
    double start = 1.0 / n;
    double step = ramp == 1 ? 0 : (1.0 - start) / (ramp - 1);
    for (int i = 0; i < ramp; i++) {
      w[i] = i * step + start;
    }
    if (ramp > 1) {
      w[ramp - 1] = 1.0;
    }
    Arrays.fill(w, ramp, n, 1.0);
    return w;
  }

  /**
   * {@code size} draws from the mixture: rows of internal values, one column per dimension. The
   * random numbers are consumed as Optuna's {@code _MixtureOfProductDistribution.sample} consumes
   * them, so the same generator state gives the same draws: {@code choice} of {@code size} kernels,
   * then {@code rand(size)} for each categorical dimension in order, then {@code size} uniforms for
   * each numerical dimension in order (one batch of truncated-normal quantiles).
   */
  double[][] sample(NumpyRandomState rng, int size) {
    int[] active = rng.choice(weights, size);
    double[][] out = new double[size][dimensions.length];
    for (int d = 0; d < dimensions.length; d++) {
      if (dimensions[d].distribution instanceof Categorical) {
        double[] u = rng.randomSample(size);
        for (int s = 0; s < size; s++) {
          out[s][d] = dimensions[d].sample(active[s], u[s]);
        }
      }
    }
    for (int d = 0; d < dimensions.length; d++) {
      if (!(dimensions[d].distribution instanceof Categorical)) {
        double[] u = rng.randomSample(size);
        for (int s = 0; s < size; s++) {
          out[s][d] = dimensions[d].sample(active[s], u[s]);
        }
      }
    }
    return out;
  }

  /**
   * The random numbers {@link #sample} consumes: {@code size} per dimension and for the kernels.
   */
  static long drawsPerSample(int dimensions, int size) {
    return dimensions == 0 ? 0 : (long) size * (1 + dimensions);
  }

  /**
   * The mixture's log density (log mass for whole numbers and choices) at a row of values. The
   * terms are added in the order Optuna's {@code _MixtureOfProductDistribution.log_pdf} adds them
   * and summed as numpy sums ({@link #numpySum}), so equal densities stay equal to the bit: two
   * candidates that differ only in a choice the estimators treat alike tie exactly in Optuna, and
   * its argmax then keeps the first; a last-bit difference here would keep the other.
   */
  double logPdf(double[] x) {
    int kernels = weights.length;
    double max = Double.NEGATIVE_INFINITY;
    double[] terms = new double[kernels];
    double[] continuous = new double[dimensions.length];
    for (int k = 0; k < kernels; k++) {
      double t = 0;
      int c = 0;
      for (int d = 0; d < dimensions.length; d++) {
        Dimension dimension = dimensions[d];
        switch (dimension.distribution) {
          case Categorical categorical -> t += dimension.logPdf(k, x[d]);
          case IntRange range -> {
            t += dimension.logMass(k, x[d]);
            t -= dimension.logMassOfRange(k);
          }
          case FloatRange range -> continuous[c++] = dimension.logPdf(k, x[d]);
        }
      }
      if (c > 0) {
        t += numpySum(continuous, 0, c);
      }
      t += Math.log(weights[k]);
      terms[k] = t;
      max = Math.max(max, t);
    }
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    for (int k = 0; k < kernels; k++) {
      terms[k] = Math.exp(terms[k] - max);
    }
    return Math.log(numpySum(terms, 0, kernels)) + max;
  }

  /**
   * numpy's sum of {@code n} doubles from {@code from} ({@code pairwise_sum}: a plain loop below 8,
   * 8 interleaved partial sums up to 128, halves beyond), so that our sums round as Optuna's.
   */
  static double numpySum(double[] a, int from, int n) {
    if (n < 8) {
      double res = 0.;
      for (int i = 0; i < n; i++) {
        res += a[from + i];
      }
      return res;
    }
    if (n <= 128) {
      double[] r = new double[8];
      System.arraycopy(a, from, r, 0, 8);
      int i = 8;
      for (; i < n - (n % 8); i += 8) {
        for (int j = 0; j < 8; j++) {
          r[j] += a[from + i + j];
        }
      }
      double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
      for (; i < n; i++) {
        res += a[from + i];
      }
      return res;
    }
    int n2 = n / 2;
    n2 -= n2 % 8;
    return numpySum(a, from, n2) + numpySum(a, from + n2, n - n2);
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
              double rowSum = numpySum(row, 0, k);
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
        case IntRange range -> logMass(k, x) - logMassOfRange(k);
      };
    }

    /** log of kernel k's mass on [x − ½, x + ½] (in the log for a log range), not normalised. */
    double logMass(int k, double x) {
      boolean log = ((IntRange) distribution).log();
      double left = log ? Math.log(x - 0.5) : x - 0.5;
      double right = log ? Math.log(x + 0.5) : x + 0.5;
      return TruncatedNormal.logGaussMass(
          (left - mus[k]) / sigmas[k], (right - mus[k]) / sigmas[k]);
    }

    /** log of kernel k's mass on the widened range: the truncation's normaliser. */
    double logMassOfRange(int k) {
      return TruncatedNormal.logGaussMass((low - mus[k]) / sigmas[k], (high - mus[k]) / sigmas[k]);
    }
  }
}
