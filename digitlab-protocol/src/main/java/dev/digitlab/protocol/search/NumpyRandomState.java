package dev.digitlab.protocol.search;

/**
 * numpy's legacy {@code numpy.random.RandomState}: the 32-bit Mersenne Twister MT19937 (Matsumoto
 * and Nishimura 1998) with numpy's seeding and its 53-bit doubles. It exists so that our samplers
 * draw exactly the numbers Optuna's draw for the same seed: Optuna's samplers keep a {@code
 * RandomState(seed)} each, so a user moving from Optuna gets the same suggestions for the same
 * seed, and the benchmark against Optuna compares like with like.
 *
 * <p>Only what Optuna's TPE and random samplers call is here: {@code random_sample} (also what
 * {@code rand} and {@code uniform(0, 1)} return), {@code uniform(low, high)} and {@code choice(n,
 * p=…, size=…)}. Not thread-safe; each suggestion makes its own.
 */
final class NumpyRandomState {

  private static final int N = 624;
  private static final int M = 397;
  private static final int MATRIX_A = 0x9908b0df;
  private static final int UPPER_MASK = 0x80000000;
  private static final int LOWER_MASK = 0x7fffffff;

  private final int[] mt = new int[N];
  private int pos;

  private NumpyRandomState() {}

  /**
   * {@code RandomState(seed)}. numpy takes seeds 0 … 2³²−1 ({@code init_genrand}); Optuna refuses
   * others. Any other long is accepted here and keyed by its two 32-bit halves, as numpy seeds from
   * an array ({@code RandomState(np.array([low, high], dtype=np.uint32))}).
   */
  static NumpyRandomState seeded(long seed) {
    if (seed >= 0 && seed <= 0xFFFFFFFFL) {
      NumpyRandomState state = new NumpyRandomState();
      state.initGenrand((int) seed);
      return state;
    }
    return keyed((int) seed, (int) (seed >>> 32));
  }

  /** {@code RandomState(np.array(key, dtype=np.uint32))}: MT19937's {@code init_by_array}. */
  static NumpyRandomState keyed(int... key) {
    if (key.length == 0) {
      throw new IllegalArgumentException("an empty key");
    }
    NumpyRandomState state = new NumpyRandomState();
    int[] mt = state.mt;
    state.initGenrand(19650218);
    int i = 1;
    int j = 0;
    for (int k = Math.max(N, key.length); k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1664525)) + key[j] + j;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= key.length) {
        j = 0;
      }
    }
    for (int k = N - 1; k > 0; k--) {
      mt[i] = (mt[i] ^ ((mt[i - 1] ^ (mt[i - 1] >>> 30)) * 1566083941)) - i;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    return state;
  }

  private void initGenrand(int seed) {
    mt[0] = seed;
    for (int i = 1; i < N; i++) {
      // Java's int arithmetic wraps exactly as the reference's "& 0xffffffff".
      mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
    pos = N;
  }

  /** The next 32-bit output, as an unsigned value in an int. */
  int nextInt() {
    if (pos >= N) {
      twist();
    }
    int y = mt[pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y;
  }

  private void twist() {
    int i = 0;
    for (; i < N - M; i++) {
      int y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[i + M] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    for (; i < N - 1; i++) {
      int y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[i + (M - N)] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    }
    int y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (-(y & 1) & MATRIX_A);
    pos = 0;
  }

  /** {@code random_sample()}: MT19937's {@code genrand_res53}, a double in [0, 1). */
  double randomSample() {
    int a = nextInt() >>> 5;
    int b = nextInt() >>> 6;
    return (a * 67108864.0 + b) / 9007199254740992.0;
  }

  /** {@code random_sample(n)}, also {@code rand(n)} and {@code uniform(0, 1, n)}. */
  double[] randomSample(int n) {
    double[] out = new double[n];
    for (int i = 0; i < n; i++) {
      out[i] = randomSample();
    }
    return out;
  }

  /** {@code uniform(low, high)}: numpy computes {@code low + (high - low) * random_sample()}. */
  double uniform(double low, double high) {
    return low + (high - low) * randomSample();
  }

  /**
   * {@code choice(p.length, p=p, size=size)} (with replacement): numpy's legacy algorithm, the
   * normalised cumulative sum searched on the right for each of {@code size} {@code random_sample}
   * draws.
   */
  int[] choice(double[] p, int size) {
    double[] cdf = new double[p.length];
    double running = 0;
    for (int i = 0; i < p.length; i++) {
      running += p[i];
      cdf[i] = running;
    }
    double last = cdf[cdf.length - 1];
    for (int i = 0; i < cdf.length; i++) {
      cdf[i] /= last;
    }
    int[] out = new int[size];
    for (int s = 0; s < size; s++) {
      double u = randomSample();
      // searchsorted(side='right'): the number of entries ≤ u.
      int lo = 0;
      int hi = cdf.length;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (cdf[mid] <= u) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      out[s] = lo;
    }
    return out;
  }

  /**
   * Discards the next {@code count} doubles (2 outputs each): how a stateless sampler reaches the
   * stream position of a trial. Outputs are only tempered copies of the state, so skipping costs
   * one twist per 312 doubles: microseconds for a thousand-trial search.
   */
  void skipDoubles(long count) {
    for (long i = 0; i < 2 * count; i++) {
      if (pos >= N) {
        twist();
      }
      long left = Math.min(N - pos, 2 * count - i);
      // The tempering does not change the state: skipping outputs only advances pos.
      pos += (int) left;
      i += left - 1;
    }
  }
}
