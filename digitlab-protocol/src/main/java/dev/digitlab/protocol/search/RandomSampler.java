package dev.digitlab.protocol.search;

import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Independent uniform draws (log-uniform for log ranges), as Optuna's {@code RandomSampler}: TPE's
 * startup phase and the baseline of the benchmarks. Seeded per trial number like {@link
 * TpeSampler}, so it too is a function of the seed and the trial.
 */
public final class RandomSampler implements Sampler {

  private final long seed;

  public RandomSampler(long seed) {
    this.seed = seed;
  }

  @Override
  public Map<String, Double> suggest(
      int number, Map<String, Distribution> space, List<Observation> history, boolean maximize) {
    Random rng = TpeSampler.rngFor(seed, number);
    Map<String, Double> out = new LinkedHashMap<>();
    space.forEach((name, distribution) -> out.put(name, draw(distribution, rng)));
    return out;
  }

  /** One uniform draw from {@code distribution}, internal representation. */
  static double draw(Distribution distribution, Random rng) {
    double u = rng.nextDouble();
    return switch (distribution) {
      case Categorical categorical ->
          Math.min(categorical.size() - 1, (int) (u * categorical.size()));
      case FloatRange range -> {
        double x =
            range.log()
                ? Math.exp(
                    Math.log(range.low()) + u * (Math.log(range.high()) - Math.log(range.low())))
                : range.low() + u * (range.high() - range.low());
        yield Math.min(range.high(), Math.max(range.low(), x));
      }
      case IntRange range -> {
        double x;
        if (range.log()) {
          double lo = Math.log(range.low() - 0.5);
          double hi = Math.log(range.high() + 0.5);
          x = Math.rint(Math.exp(lo + u * (hi - lo)));
        } else {
          x = range.low() + Math.floor(u * (range.high() - range.low() + 1));
        }
        yield Math.min(range.high(), Math.max(range.low(), x));
      }
    };
  }
}
