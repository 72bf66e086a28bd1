package dev.digitlab.protocol.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The Tree-structured Parzen Estimator as Optuna's {@code TPESampler} runs it (Bergstra et al.
 * 2011; Falkner et al. 2018 for the multivariate kernels): by default, as Optuna 5 for one
 * objective, one joint density over all parameters; optionally, as Optuna 4's default, one
 * independent density per parameter. The first {@code startupTrials} finished trials are drawn at
 * random; then the finished trials split into the best γ(n) = min(⌈0.1·n⌉, 25) ("below") and the
 * rest ("above"), a Parzen estimator fitted to each, 24 candidates drawn from the "below" one and
 * the candidate maximising l(x)/g(x) kept.
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
  private final boolean multivariate;

  /** Optuna's default TPE for one objective: multivariate, 10 startup trials, 24 candidates. */
  public TpeSampler(long seed) {
    this(seed, DEFAULT_STARTUP_TRIALS, DEFAULT_CANDIDATES, true);
  }

  /**
   * @param multivariate one joint density over all parameters (Optuna 5's default for one
   *     objective), or one density per parameter (the original TPE, Optuna 4's default)
   */
  public TpeSampler(long seed, int startupTrials, int candidates, boolean multivariate) {
    if (startupTrials < 0 || candidates < 1) {
      throw new IllegalArgumentException(
          "startupTrials must be ≥ 0 and candidates ≥ 1, got " + startupTrials + ", " + candidates);
    }
    this.seed = seed;
    this.startupTrials = startupTrials;
    this.candidates = candidates;
    this.multivariate = multivariate;
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
      if (random) {
        for (Map.Entry<String, Distribution> entry : space.entrySet()) {
          suggestion.put(entry.getKey(), RandomSampler.draw(entry.getValue(), rng));
        }
      } else if (multivariate) {
        suggestion.putAll(sampleGroup(List.copyOf(space.keySet()), space, others, maximize, rng));
      } else {
        for (String name : space.keySet()) {
          suggestion.putAll(sampleGroup(List.of(name), space, others, maximize, rng));
        }
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

  /**
   * One TPE draw for the parameters {@code names} together: the estimators are fitted on the trials
   * that have a value for each of them, one product kernel per trial.
   */
  private Map<String, Double> sampleGroup(
      List<String> names,
      Map<String, Distribution> space,
      List<Observation> trials,
      boolean maximize,
      Random rng) {
    List<Distribution> distributions = names.stream().map(space::get).toList();
    List<Observation> relevant = new ArrayList<>();
    for (Observation o : trials) {
      boolean has = true;
      for (String name : names) {
        Double value = o.params().get(name);
        has &= value != null && space.get(name).contains(value);
      }
      if (has) {
        relevant.add(o);
      }
    }
    int n = (int) relevant.stream().filter(o -> o.state() != TrialState.PENDING).count();
    Split split = split(relevant, gamma(n), maximize);
    ParzenEstimator below = new ParzenEstimator(values(split.below(), names), distributions);
    ParzenEstimator above = new ParzenEstimator(values(split.above(), names), distributions);
    double[][] samples = below.sample(rng, candidates);
    double[] best = samples[0];
    double bestScore = Double.NEGATIVE_INFINITY;
    for (double[] x : samples) {
      double score = below.logPdf(x) - above.logPdf(x);
      // argmax: the first maximum wins, as numpy's.
      if (score > bestScore) {
        best = x;
        bestScore = score;
      }
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (int d = 0; d < names.size(); d++) {
      out.put(names.get(d), best[d]);
    }
    return out;
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

  private static double[][] values(List<Observation> trials, List<String> names) {
    double[][] out = new double[trials.size()][names.size()];
    for (int i = 0; i < out.length; i++) {
      for (int d = 0; d < names.size(); d++) {
        out[i][d] = trials.get(i).params().get(names.get(d));
      }
    }
    return out;
  }
}
