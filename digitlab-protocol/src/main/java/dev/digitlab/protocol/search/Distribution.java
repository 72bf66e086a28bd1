package dev.digitlab.protocol.search;

/**
 * The domain of one searched parameter, as the samplers see it. Values travel in an internal
 * representation, a {@code double}: the number itself for a range, the index of the choice for a
 * categorical, as Optuna's {@code to_internal_repr}.
 */
public sealed interface Distribution {

  /** Whether {@code value} (internal representation) lies in this domain. */
  boolean contains(double value);

  /** Real numbers in [low, high], sampled uniformly or in the logarithm. */
  record FloatRange(double low, double high, boolean log) implements Distribution {
    public FloatRange {
      if (!(low <= high) || (log && low <= 0)) {
        throw new IllegalArgumentException("bad range [" + low + ", " + high + "], log=" + log);
      }
    }

    @Override
    public boolean contains(double value) {
      return value >= low && value <= high;
    }
  }

  /** Whole numbers from low to high inclusive (step 1), sampled uniformly or in the logarithm. */
  record IntRange(long low, long high, boolean log) implements Distribution {
    public IntRange {
      if (low > high || (log && low < 1)) {
        throw new IllegalArgumentException("bad range [" + low + ", " + high + "], log=" + log);
      }
    }

    @Override
    public boolean contains(double value) {
      return value >= low && value <= high && value == Math.rint(value);
    }
  }

  /** One of {@code size} unordered choices, by index. */
  record Categorical(int size) implements Distribution {
    public Categorical {
      if (size < 1) {
        throw new IllegalArgumentException("a categorical needs at least one choice");
      }
    }

    @Override
    public boolean contains(double value) {
      return value >= 0 && value < size && value == Math.rint(value);
    }
  }
}
