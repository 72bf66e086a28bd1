package dev.digitlab.protocol.search;

import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Independent uniform draws (log-uniform for log ranges), as Optuna's {@code RandomSampler}: TPE's
 * startup phase and the baseline of the benchmarks.
 *
 * <p>It draws exactly the numbers Optuna's {@code RandomSampler(seed=seed)} draws, through the same
 * transform ({@code _SearchSpaceTransform}): so a sequential search gets, to floating-point
 * precision, the suggestions Optuna gives for the same seed. Optuna keeps one numpy {@code
 * RandomState(seed)} for the study; this sampler is stateless instead (see {@link TpeSampler}):
 * trial {@code number} reads that stream from position {@code number × width}, where the width of a
 * space is what one trial consumes ({@link #width}). In a sequential study that is where Optuna's
 * stream stands; with parallel workers Optuna's order depends on timing, ours stays a function of
 * the seed and the trial number.
 */
public final class RandomSampler implements Sampler {

  private final long seed;

  public RandomSampler(long seed) {
    this.seed = seed;
  }

  @Override
  public Map<String, Double> suggest(
      int number, Map<String, Distribution> space, List<Observation> history, boolean maximize) {
    return drawAt(seed, number, space);
  }

  /** Trial {@code number}'s draw from the stream of {@code seed}, as Optuna's random sampler. */
  static Map<String, Double> drawAt(long seed, int number, Map<String, Distribution> space) {
    NumpyRandomState rng = NumpyRandomState.seeded(seed);
    rng.skipDoubles((long) number * width(space));
    return drawAll(space, rng);
  }

  /**
   * The uniform draws one trial consumes: one per range, one per choice of a categorical (Optuna
   * one-hot encodes it and takes the argmax), none for a parameter with a single value (Optuna's
   * trial sets it without asking the sampler).
   */
  static int width(Map<String, Distribution> space) {
    int width = 0;
    for (Distribution distribution : space.values()) {
      if (!isSingle(distribution)) {
        width += distribution instanceof Categorical categorical ? categorical.size() : 1;
      }
    }
    return width;
  }

  /** Every parameter of {@code space}, in its order, from {@code rng}. */
  static Map<String, Double> drawAll(Map<String, Distribution> space, NumpyRandomState rng) {
    Map<String, Double> out = new LinkedHashMap<>();
    space.forEach((name, distribution) -> out.put(name, draw(distribution, rng)));
    return out;
  }

  /** Optuna's {@code Distribution.single()}: a domain of one value. */
  static boolean isSingle(Distribution distribution) {
    return switch (distribution) {
      case Categorical categorical -> categorical.size() == 1;
      case FloatRange range -> range.low() == range.high();
      case IntRange range -> range.low() == range.high();
    };
  }

  /** The value of a single-valued domain: its low end, or its only choice. */
  static double singleValue(Distribution distribution) {
    return switch (distribution) {
      case Categorical categorical -> 0;
      case FloatRange range -> range.low();
      case IntRange range -> range.low();
    };
  }

  /**
   * One draw from {@code distribution}, internal representation: Optuna's {@code
   * RandomSampler.sample_independent}, i.e. {@code uniform} over the transformed bounds (log for
   * log ranges, widened by half a step for whole numbers) and the inverse transform, operation for
   * operation.
   */
  static double draw(Distribution distribution, NumpyRandomState rng) {
    if (isSingle(distribution)) {
      return singleValue(distribution);
    }
    return switch (distribution) {
      case Categorical categorical -> {
        // One uniform per choice; the first largest wins (numpy's argmax).
        int best = 0;
        double bestValue = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < categorical.size(); i++) {
          double u = rng.uniform(0, 1);
          if (u > bestValue) {
            best = i;
            bestValue = u;
          }
        }
        yield best;
      }
      case FloatRange range -> {
        if (range.log()) {
          double x = Math.exp(rng.uniform(Math.log(range.low()), Math.log(range.high())));
          yield Math.min(Math.max(x, range.low()), Math.nextDown(range.high()));
        }
        yield Math.min(rng.uniform(range.low(), range.high()), Math.nextDown(range.high()));
      }
      case IntRange range -> {
        double x;
        if (range.log()) {
          double t = rng.uniform(Math.log(range.low() - 0.5), Math.log(range.high() + 0.5));
          // Python's round(): half to even, as rint.
          x = Math.rint(Math.exp(t));
        } else {
          double low = range.low();
          double t = rng.uniform(low - 0.5, range.high() + 0.5);
          x = Math.floor(t - low + 0.5) + low;
        }
        yield Math.min(Math.max(x, range.low()), range.high());
      }
    };
  }
}
