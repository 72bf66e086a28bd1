package dev.digitlab.protocol.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * <p>Same seed, same suggestions as Optuna: the random numbers are exactly those of Optuna 5's
 * {@code TPESampler(seed=seed)}, which keeps two numpy {@code RandomState(seed)} streams (MT19937,
 * {@link NumpyRandomState}), its own for the TPE draws and its {@code RandomSampler}'s for the
 * startup trials, and they are consumed in Optuna's order. So a sequential search gets, to
 * floating-point precision, the suggestions Optuna gives for the same seed and the same objective
 * values: a user moving from Optuna keeps their seeds, and the benchmark against Optuna compares
 * like with like. Seeds must lie in 0 … 2³²−1 for that (numpy's range); others still work, keyed by
 * both halves of the long. Where the two can part: a float difference in the last bits of a log
 * density can flip the argmax between two nearly equal candidates (rare), and numpy's default
 * argsort is not stable on SIMD CPUs, so when two observations tie on a whole number Optuna pairs
 * their bandwidths in a CPU-dependent order, while we keep the older trial first (as Optuna with a
 * stable sort).
 *
 * <p>Stateless: a suggestion is a function of the seed, the trial number and the observations, so
 * the trial table is the whole state of a search and any server (restarted, or a second one on the
 * same database) continues it identically. Instead of carrying a generator from trial to trial,
 * trial {@code number} starts each stream where a sequential Optuna study stands: a startup
 * (random) trial at {@code number × width} of the random stream ({@link RandomSampler}); a TPE
 * trial after the fixed count each earlier TPE trial consumed ({@link #tpeDrawsBefore}), skipped
 * over (cheap: one MT19937 twist per 312 numbers). With parallel workers Optuna's own order of
 * draws depends on which worker asks first and is not reproducible; ours stays a function of the
 * seed, the number and the history. A suggestion that equals a pending trial's is drawn again from
 * a stream keyed by the seed and the number, so redraws never reuse another trial's numbers.
 */
public final class TpeSampler implements Sampler {

  public static final int DEFAULT_STARTUP_TRIALS = 10;
  public static final int DEFAULT_CANDIDATES = 24;

  // Redraws before giving up on avoiding a pending trial's values (a space smaller than the
  // number of pending trials cannot avoid repeating one).
  private static final int MAX_REDRAWS = 200;
  // Keys the redraw stream apart from any seed's own stream.
  private static final int REDRAW_KEY = 0x7ed7a3;

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
    // Redraws (only when a suggestion equals a pending trial's) read a stream of their own, so
    // that they never reuse the numbers of another trial.
    NumpyRandomState redraws = null;
    for (int attempt = 0; attempt <= MAX_REDRAWS; attempt++) {
      if (random) {
        suggestion =
            attempt == 0
                ? RandomSampler.drawAt(seed, number, space)
                : RandomSampler.drawAll(space, redraws);
      } else {
        NumpyRandomState rng;
        if (attempt == 0) {
          rng = NumpyRandomState.seeded(seed);
          rng.skipDoubles(tpeDrawsBefore(number, space));
        } else {
          rng = redraws;
        }
        suggestion = sampleTpe(space, others, maximize, finished > 0, rng);
      }
      if (!pending.contains(suggestion)) {
        return suggestion;
      }
      if (redraws == null) {
        redraws = NumpyRandomState.keyed((int) seed, (int) (seed >>> 32), number, REDRAW_KEY);
      }
      // Past half the redraws, TPE keeps returning the pending point: widen to uniform draws.
      random = random || attempt >= MAX_REDRAWS / 2;
    }
    return suggestion;
  }

  /**
   * One TPE suggestion, as Optuna 5 makes it: multivariate, one joint draw over the parameters
   * sorted by name (Optuna's intersection search space is sorted); when no trial has finished yet
   * (only with {@code startupTrials} 0) that space is empty and Optuna samples each parameter on
   * its own, in the space's order, and so do we. Single-valued parameters take their value without
   * a draw.
   */
  private Map<String, Double> sampleTpe(
      Map<String, Distribution> space,
      List<Observation> others,
      boolean maximize,
      boolean anyFinished,
      NumpyRandomState rng) {
    Map<String, Double> drawn = new LinkedHashMap<>();
    List<String> searched =
        space.keySet().stream().filter(n -> !RandomSampler.isSingle(space.get(n))).toList();
    if (multivariate && anyFinished) {
      if (!searched.isEmpty()) {
        drawn.putAll(
            sampleGroup(searched.stream().sorted().toList(), space, others, maximize, rng));
      }
    } else {
      for (String name : searched) {
        drawn.putAll(sampleGroup(List.of(name), space, others, maximize, rng));
      }
    }
    Map<String, Double> suggestion = new LinkedHashMap<>();
    for (Map.Entry<String, Distribution> entry : space.entrySet()) {
      String name = entry.getKey();
      suggestion.put(
          name,
          drawn.containsKey(name) ? drawn.get(name) : RandomSampler.singleValue(entry.getValue()));
    }
    return suggestion;
  }

  /**
   * Where trial {@code number}'s TPE draws start in the seed's stream: after the draws of the TPE
   * trials {@code startupTrials … number − 1} of a sequential study, as Optuna's TPE generator
   * stands then. Each consumes a fixed count: {@code candidates × (1 + m)} for a multivariate draw
   * over m searched parameters, {@code 2 × candidates} per parameter for independent draws (the
   * independent TPE, and trial 0 of a search without startup trials).
   */
  long tpeDrawsBefore(int number, Map<String, Distribution> space) {
    int m = (int) space.values().stream().filter(d -> !RandomSampler.isSingle(d)).count();
    long joint = ParzenEstimator.drawsPerSample(m, candidates);
    long separate = m * ParzenEstimator.drawsPerSample(1, candidates);
    long total = 0;
    for (int j = startupTrials; j < number; j++) {
      total += multivariate && j > 0 ? joint : separate;
    }
    return total;
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
      NumpyRandomState rng) {
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
