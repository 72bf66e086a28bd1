package dev.digitlab.protocol.search;

/**
 * The truncated normal distribution as Optuna's {@code _truncnorm} computes it: log probability
 * mass of an interval, log density and the quantile function, all in log space so the far tails of
 * narrow kernels neither underflow nor cancel. Bounds {@code a}, {@code b} are standardised ({@code
 * (bound - mu) / sigma}).
 */
final class TruncatedNormal {

  private static final double LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);
  private static final double LOGISTIC_C = Math.sqrt(3) / Math.PI;

  private TruncatedNormal() {}

  /** The standard normal CDF Φ(x), with relative accuracy in the left tail. */
  static double ndtr(double x) {
    if (x < -3) {
      return Math.exp(logNdtrTail(x));
    }
    if (x > 3) {
      return 1 - Math.exp(logNdtrTail(-x));
    }
    // Marsaglia (2004): Φ(x) = 1/2 + φ(x)(x + x³/3 + x⁵/15 + …), exact to ~1e-15 for |x| ≤ 3.
    double sum = x;
    double term = x;
    double x2 = x * x;
    for (int i = 3; Math.abs(term) > 1e-17 * Math.abs(sum); i += 2) {
      term *= x2 / i;
      sum += term;
      if (i > 500) {
        break;
      }
    }
    return 0.5 + sum * Math.exp(-0.5 * x2 - LOG_SQRT_2PI);
  }

  /**
   * log Φ(x) for x < -3 through the continued fraction of Mills' ratio, Φ(x) = φ(x)·R(-x) with R(t)
   * = 1/(t + 1/(t + 2/(t + 3/(t + …)))), which converges fast for t ≥ 3 and never underflows.
   */
  private static double logNdtrTail(double x) {
    double t = -x;
    // Modified Lentz evaluation of the continued fraction t + 1/(t + 2/(t + …)).
    double tiny = 1e-300;
    double f = t;
    double c = t;
    double d = 0;
    for (int k = 1; k < 500; k++) {
      d = t + k * d;
      d = Math.abs(d) < tiny ? tiny : d;
      c = t + k / c;
      c = Math.abs(c) < tiny ? tiny : c;
      d = 1 / d;
      double delta = c * d;
      f *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return -0.5 * x * x - LOG_SQRT_2PI - Math.log(f);
  }

  /** log Φ(x). */
  static double logNdtr(double x) {
    if (x > 6) {
      // log(1 - ε) ≈ -ε, as Optuna's _log_ndtr_single.
      return -ndtr(-x);
    }
    if (x < -3) {
      return logNdtrTail(x);
    }
    return Math.log(ndtr(x));
  }

  private static double logDiff(double logP, double logQ) {
    return logP + Math.log1p(-Math.exp(logQ - logP));
  }

  private static double logSum(double logP, double logQ) {
    double max = Math.max(logP, logQ);
    if (max == Double.NEGATIVE_INFINITY) {
      return max;
    }
    return max + Math.log(Math.exp(logP - max) + Math.exp(logQ - max));
  }

  /** log of the standard normal's mass on [a, b]. */
  static double logGaussMass(double a, double b) {
    if (b <= 0) {
      return logDiff(logNdtr(b), logNdtr(a));
    }
    if (a > 0) {
      return logDiff(logNdtr(-a), logNdtr(-b));
    }
    // Central case: 1 - Φ(a) - Φ(-b) avoids the cancellation of Φ(b) - Φ(a) near 1.
    return Math.log1p(-ndtr(a) - ndtr(-b));
  }

  /** log density at x of N(loc, scale²) truncated to the standardised bounds [a, b]. */
  static double logPdf(double x, double a, double b, double loc, double scale) {
    double z = (x - loc) / scale;
    if (a == b) {
      return Double.NaN;
    }
    if (z < a || z > b) {
      return Double.NEGATIVE_INFINITY;
    }
    return -0.5 * z * z - LOG_SQRT_2PI - logGaussMass(a, b) - Math.log(scale);
  }

  /** The standardised quantile: c with ∫ₐᶜ of the truncated density = q. */
  static double ppf(double q, double a, double b) {
    if (a == b) {
      return Double.NaN;
    }
    if (q == 0) {
      return a;
    }
    if (q == 1) {
      return b;
    }
    double logMass = logGaussMass(a, b);
    if (a < 0) {
      return ndtriExp(logSum(logNdtr(a), Math.log(q) + logMass));
    }
    // Mirror to the left tail, where log Φ is accurate.
    return -ndtriExp(logSum(logNdtr(-b), Math.log1p(-q) + logMass));
  }

  /** x with log Φ(x) = y, by Newton's method from Optuna's initial guesses. */
  static double ndtriExp(double y) {
    boolean flipped = y > -1e-2;
    double z = flipped ? Math.log(-Math.expm1(y)) : y;
    double x =
        z < -5 ? -Math.sqrt(-2.0 * (z + LOG_SQRT_2PI)) : -LOGISTIC_C * Math.log(Math.expm1(-z));
    for (int i = 0; i < 100; i++) {
      double logNdtrX = logNdtr(x);
      double logPdfX = -0.5 * x * x - LOG_SQRT_2PI;
      double dx = (logNdtrX - z) * Math.exp(logNdtrX - logPdfX);
      x -= dx;
      if (Math.abs(dx) < 1e-8 * Math.abs(x)) {
        break;
      }
    }
    return flipped ? -x : x;
  }
}
