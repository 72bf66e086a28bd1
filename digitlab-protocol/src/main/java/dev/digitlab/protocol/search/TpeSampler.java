package dev.digitlab.protocol.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Tree-structured Parzen Estimator as Optuna's {@code TPESampler} runs by default (Bergstra et
 * al. 2011; Optuna ≥ 4.x defaults): each parameter sampled independently; the first {@code
 * startupTrials} finished trials drawn at random; then the finished trials split into the best γ(n)
 * = min(⌈0.1·n⌉, 25) ("below") and the rest ("above"), a Parzen estimator fitted to each, 24
 * candidates drawn from the "below" one and the candidate maximising l(x)/g(x) kept.
 *
 * <p>Pruned trials count as finished, ranked after the complete ones by how far they got and then
 * their last reported value (Optuna's {@code _split_pruned_trials}). Pending trials (suggested, not
 * finished) join the "above" group: Optuna's constant liar, which steers parallel suggestions away
 * from each other. On top of that, a suggestion never equals a pending trial's values while the
 * space has room for another: on a small discrete space the liar alone could repeat one.
 *
 * <p>Stateless: a suggestion is a function of the seed, the trial number and the observations, so
 * the trial table is the whole state of a search and any server (restarted, or a second one on the
 * same database) continues it identically.
 */
public final class TpeSampler implements Sampler {

  public static final int DEFAULT_STARTUP_TRIALS = 10;
  public static final int DEFAULT_CANDIDATES = 24;

  // Redraws before giving up on avoiding a pending trial's values (a space smaller than the
  // number of pending trials cannot avoid repeating one).
  private static final int MAX_REDRAWS = 200;

  private final long seed;
  private final int startupTrials;
  private final int candidates;

  public TpeSampler(long seed) {
    this(seed, DEFAULT_STARTUP_TRIALS, DEFAULT_CANDIDATES);
  }

  public TpeSampler(long seed, int startupTrials, int candidates) {
    if (startupTrials < 0 || candidates < 1) {
      throw new IllegalArgumentException(
          "startupTrials must be ≥ 0 and candidates ≥ 1, got " + startupTrials + ", " + candidates);
    }
    this.seed = seed;
    this.startupTrials = startupTrials;
    this.candidates = candidates;
  }

  @Override
  public Map<String, Double> suggest(
      int number, Map<String, Distribution> space, List<Observation> history, boolean maximize) {
    Random rng = rngFor(seed, number);
    List<Observation> others = new ArrayList<>();
    List<Map<String, Double>> pending = new ArrayList<>();
    int finished = 0;
    for (Observation o : history) {
      if (o.number() == number) {
        continue;
      }
      boolean usable =
          switch (o.state()) {
            case COMPLETE -> !Double.isNaN(o.value());
            case PRUNED, PENDING -> true;
          };
      if (usable) {
        others.add(o);
        if (o.state() == TrialState.PENDING) {
          pending.add(o.params());
        } else {
          finished++;
        }
      }
    }
    boolean random = finished < startupTrials;
    Map<String, Double> suggestion = null;
    for (int attempt = 0; attempt <= MAX_REDRAWS; attempt++) {
      suggestion = new LinkedHashMap<>();
      for (Map.Entry<String, Distribution> entry : space.entrySet()) {
        double value =
            random
                ? RandomSampler.draw(entry.getValue(), rng)
                : sampleOne(entry.getKey(), entry.getValue(), others, maximize, rng);
        suggestion.put(entry.getKey(), value);
      }
      if (!pending.contains(suggestion)) {
        return suggestion;
      }
      // Past half the redraws, TPE keeps returning the pending point: widen to uniform draws.
      random = random || attempt >= MAX_REDRAWS / 2;
    }
    return suggestion;
  }

  /**
   * The generator for trial {@code number}: the same on every JVM (java.util.Random is specified).
   */
  static Random rngFor(long seed, int number) {
    long mixed = seed * 0x9E3779B97F4A7C15L + number;
    mixed ^= mixed >>> 31;
    mixed *= 0xBF58476D1CE4E5B9L;
    mixed ^= mixed >>> 27;
    return new Random(mixed);
  }

  private double sampleOne(
      String name,
      Distribution distribution,
      List<Observation> trials,
      boolean maximize,
      Random rng) {
    List<Observation> relevant = new ArrayList<>();
    for (Observation o : trials) {
      Double value = o.params().get(name);
      if (value != null && distribution.contains(value)) {
        relevant.add(o);
      }
    }
    int n = (int) relevant.stream().filter(o -> o.state() != TrialState.PENDING).count();
    Split split = split(relevant, gamma(n), maximize);
    ParzenEstimator below = new ParzenEstimator(values(split.below(), name), distribution);
    ParzenEstimator above = new ParzenEstimator(values(split.above(), name), distribution);
    double[] samples = below.sample(rng, candidates);
    double best = samples[0];
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double x : samples) {
      double score = below.logPdf(x) - above.logPdf(x);
      // argmax: the first maximum wins, as numpy's.
      if (score > bestScore || Double.isNaN(bestScore)) {
        best = x;
        bestScore = score;
      }
    }
    return best;
  }

  /** Optuna's {@code default_gamma}. */
  static int gamma(int n) {
    return Math.min((int) Math.ceil(0.1 * n), 25);
  }

  record Split(List<Observation> below, List<Observation> above) {}

  /** Optuna's {@code _split_trials} for one objective, without constraints. */
  static Split split(List<Observation> trials, int nBelow, boolean maximize) {
    List<Observation> complete = new ArrayList<>();
    List<Observation> pruned = new ArrayList<>();
    List<Observation> pending = new ArrayList<>();
    List<Observation> byNumber = new ArrayList<>(trials);
    byNumber.sort(Comparator.comparingInt(Observation::number));
    for (Observation o : byNumber) {
      switch (o.state()) {
        case COMPLETE -> complete.add(o);
        case PRUNED -> pruned.add(o);
        case PENDING -> pending.add(o);
      }
    }
    Comparator<Observation> byValue = Comparator.comparingDouble(Observation::value);
    complete.sort(maximize ? byValue.reversed() : byValue);
    pruned.sort(
        Comparator.<Observation>comparingDouble(o -> prunedScore(o, maximize)[0])
            .thenComparingDouble(o -> prunedScore(o, maximize)[1]));
    List<Observation> below = new ArrayList<>();
    List<Observation> above = new ArrayList<>();
    int fromComplete = Math.min(nBelow, complete.size());
    below.addAll(complete.subList(0, fromComplete));
    above.addAll(complete.subList(fromComplete, complete.size()));
    int fromPruned = Math.min(Math.max(0, nBelow - fromComplete), pruned.size());
    below.addAll(pruned.subList(0, fromPruned));
    above.addAll(pruned.subList(fromPruned, pruned.size()));
    above.addAll(pending);
    below.sort(Comparator.comparingInt(Observation::number));
    above.sort(Comparator.comparingInt(Observation::number));
    return new Split(below, above);
  }

  /** Optuna's {@code _get_pruned_trial_score}: further first, then the better last value. */
  private static double[] prunedScore(Observation o, boolean maximize) {
    if (o.intermediate().isEmpty()) {
      return new double[] {1, 0.0};
    }
    int step = o.intermediate().lastKey();
    double value = o.intermediate().get(step);
    if (Double.isNaN(value)) {
      return new double[] {-step, Double.POSITIVE_INFINITY};
    }
    return new double[] {-step, maximize ? -value : value};
  }

  private static double[] values(List<Observation> trials, String name) {
    double[] out = new double[trials.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = trials.get(i).params().get(name);
    }
    return out;
  }
}
