package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class TpeSamplerTest {

  private static Map<String, Distribution> mixedSpace() {
    Map<String, Distribution> space = new LinkedHashMap<>();
    space.put("learningRate", new FloatRange(1e-4, 1e-1, true));
    space.put("dropout", new FloatRange(0, 0.5, false));
    space.put("batchSize", new Categorical(4));
    space.put("hidden", new IntRange(16, 512, true));
    space.put("epochs", new IntRange(1, 5, false));
    return space;
  }

  /** A smooth function with its minimum inside the mixed space. */
  private static double objective(Map<String, Double> p) {
    double lr = Math.log10(p.get("learningRate")) + 2.5;
    double dropout = p.get("dropout") - 0.2;
    double batch = new double[] {0.3, 0, 0.5, 1}[p.get("batchSize").intValue()];
    double hidden = Math.log(p.get("hidden") / 128.0);
    double epochs = (p.get("epochs") - 4) / 2.0;
    return lr * lr + 4 * dropout * dropout + batch + hidden * hidden + epochs * epochs;
  }

  private static List<Map<String, Double>> run(
      Sampler sampler, int trials, ToDoubleFunction<Map<String, Double>> f) {
    List<Observation> history = new ArrayList<>();
    List<Map<String, Double>> suggestions = new ArrayList<>();
    for (int n = 0; n < trials; n++) {
      Map<String, Double> params = sampler.suggest(n, mixedSpace(), history, false);
      suggestions.add(params);
      history.add(Observation.complete(n, params, f.applyAsDouble(params)));
    }
    return suggestions;
  }

  @Test
  void aFixedSeedSuggestsTheSameTrialsTwice() {
    List<Map<String, Double>> first = run(new TpeSampler(42), 40, TpeSamplerTest::objective);
    List<Map<String, Double>> second = run(new TpeSampler(42), 40, TpeSamplerTest::objective);
    List<Map<String, Double>> other = run(new TpeSampler(43), 40, TpeSamplerTest::objective);
    assertThat(second).isEqualTo(first);
    assertThat(other).isNotEqualTo(first);
  }

  @Test
  void suggestionsStayInTheirDomains() {
    for (Map<String, Double> p : run(new TpeSampler(7), 40, TpeSamplerTest::objective)) {
      mixedSpace().forEach((name, d) -> assertThat(d.contains(p.get(name))).as(name).isTrue());
    }
  }

  @Test
  void afterStartupTpeBeatsRandomOnTheMeanOfTenSeeds() {
    double tpe = 0;
    double random = 0;
    for (long seed = 1; seed <= 10; seed++) {
      tpe += best(run(new TpeSampler(seed), 50, TpeSamplerTest::objective));
      random += best(run(new RandomSampler(seed), 50, TpeSamplerTest::objective));
    }
    assertThat(tpe).isLessThan(random);
  }

  private static double best(List<Map<String, Double>> suggestions) {
    return suggestions.stream().mapToDouble(TpeSamplerTest::objective).min().orElseThrow();
  }

  @Test
  void noTwoPendingTrialsShareASuggestionEvenOnATinyDiscreteSpace() {
    // 2 × 3 = 6 points; 12 finished trials then 5 pending: the liar alone could repeat one.
    Map<String, Distribution> space = new LinkedHashMap<>();
    space.put("a", new Categorical(2));
    space.put("b", new IntRange(1, 3, false));
    for (long seed = 0; seed < 20; seed++) {
      TpeSampler sampler = new TpeSampler(seed);
      List<Observation> history = new ArrayList<>();
      int n = 0;
      for (; n < 12; n++) {
        Map<String, Double> p = sampler.suggest(n, space, history, true);
        history.add(Observation.complete(n, p, p.get("a") + p.get("b")));
      }
      Set<Map<String, Double>> pending = new HashSet<>();
      for (int k = 0; k < 5; k++, n++) {
        Map<String, Double> p = sampler.suggest(n, space, history, true);
        assertThat(pending.add(p)).as("seed %d: %s repeats a pending trial", seed, p).isTrue();
        history.add(Observation.pending(n, p));
      }
    }
  }

  @Test
  void pendingTrialsPushTheNextSuggestionAwayFromThem() {
    // Constant liar: with the best region already taken by pending trials, a parallel
    // suggestion lands elsewhere more often than without them.
    Map<String, Distribution> space = Map.of("x", new FloatRange(0, 1, false));
    int awayWith = 0;
    int awayWithout = 0;
    for (long seed = 0; seed < 30; seed++) {
      TpeSampler sampler = new TpeSampler(seed);
      List<Observation> history = new ArrayList<>();
      for (int n = 0; n < 20; n++) {
        double x = (n + 0.5) / 20;
        history.add(Observation.complete(n, Map.of("x", x), Math.abs(x - 0.3)));
      }
      List<Observation> withPending = new ArrayList<>(history);
      for (int k = 0; k < 6; k++) {
        withPending.add(Observation.pending(20 + k, Map.of("x", 0.27 + 0.012 * k)));
      }
      if (Math.abs(sampler.suggest(26, space, withPending, false).get("x") - 0.3) > 0.04) {
        awayWith++;
      }
      if (Math.abs(sampler.suggest(26, space, history, false).get("x") - 0.3) > 0.04) {
        awayWithout++;
      }
    }
    assertThat(awayWith).isGreaterThan(awayWithout);
  }

  @Test
  void gammaAndSplitFollowOptuna() {
    assertThat(TpeSampler.gamma(10)).isEqualTo(1);
    assertThat(TpeSampler.gamma(11)).isEqualTo(2);
    assertThat(TpeSampler.gamma(1000)).isEqualTo(25);
    List<Observation> trials = new ArrayList<>();
    for (int n = 0; n < 10; n++) {
      trials.add(Observation.complete(n, Map.of("x", (double) n), n));
    }
    java.util.TreeMap<Integer, Double> far = new java.util.TreeMap<>(Map.of(1, 5.0, 2, 0.9));
    java.util.TreeMap<Integer, Double> near = new java.util.TreeMap<>(Map.of(1, 0.99));
    trials.add(Observation.pruned(10, Map.of("x", 10.0), near));
    trials.add(Observation.pruned(11, Map.of("x", 11.0), far));
    trials.add(Observation.pending(12, Map.of("x", 12.0)));
    // Maximise: complete 9, 8, … first, then pruned by steps reached (11 before 10).
    TpeSampler.Split split = TpeSampler.split(trials, 12, true);
    assertThat(split.below()).extracting(Observation::number).hasSize(12).contains(11, 10);
    assertThat(split.above()).extracting(Observation::number).containsExactly(12);
    split = TpeSampler.split(trials, 11, true);
    assertThat(split.above()).extracting(Observation::number).containsExactly(10, 12);
    split = TpeSampler.split(trials, 2, true);
    assertThat(split.below()).extracting(Observation::number).containsExactly(8, 9);
  }

  @Test
  void prunedTrialsRankAfterEveryCompleteOneWhateverTheirValue() {
    // Optuna's _split_trials: complete trials by value, then pruned ones by the deepest step
    // reached, then by their value there (NaN last), never mixed with the complete ones by value.
    List<Observation> trials = new ArrayList<>();
    trials.add(Observation.complete(0, Map.of("x", 0.0), 0.5));
    trials.add(Observation.complete(1, Map.of("x", 1.0), 0.6));
    trials.add(Observation.pruned(2, Map.of("x", 2.0), new java.util.TreeMap<>(Map.of(1, 0.99))));
    trials.add(
        Observation.pruned(3, Map.of("x", 3.0), new java.util.TreeMap<>(Map.of(1, 0.1, 2, 0.2))));
    trials.add(
        Observation.pruned(4, Map.of("x", 4.0), new java.util.TreeMap<>(Map.of(1, Double.NaN))));
    trials.add(Observation.pruned(5, Map.of("x", 5.0), new java.util.TreeMap<>(Map.of(1, 0.98))));
    // Maximising: 1, 0, then 3 (step 2), 2 (0.99), 5 (0.98), 4 (NaN).
    assertThat(TpeSampler.split(trials, 1, true).below())
        .extracting(Observation::number)
        .containsExactly(1);
    assertThat(TpeSampler.split(trials, 2, true).below())
        .extracting(Observation::number)
        .containsExactly(0, 1);
    assertThat(TpeSampler.split(trials, 3, true).below())
        .extracting(Observation::number)
        .containsExactly(0, 1, 3);
    assertThat(TpeSampler.split(trials, 5, true).below())
        .extracting(Observation::number)
        .containsExactly(0, 1, 2, 3, 5);
    // Minimising: 0, 1, then 3 (step 2), 5 (0.98), 2 (0.99), 4 (NaN).
    assertThat(TpeSampler.split(trials, 4, false).below())
        .extracting(Observation::number)
        .containsExactly(0, 1, 3, 5);
  }

  @Test
  void defaultWeightsRampUpPast25Observations() {
    assertThat(ParzenEstimator.defaultWeights(3)).containsExactly(1, 1, 1);
    double[] w = ParzenEstimator.defaultWeights(30);
    assertThat(w[0]).isEqualTo(1.0 / 30);
    assertThat(w[4]).isEqualTo(1.0);
    assertThat(w[29]).isEqualTo(1.0);
  }

  @Test
  void truncatedNormalMatchesKnownValues() {
    // Φ(-1.96) = 0.024997895, Φ(-10) = 7.6198530241605e-24 (reference values of the normal CDF).
    assertThat(TruncatedNormal.ndtr(-1.96)).isCloseTo(0.024997895148220435, within(1e-12));
    assertThat(TruncatedNormal.ndtr(0)).isEqualTo(0.5);
    assertThat(TruncatedNormal.logNdtr(-10))
        .isCloseTo(Math.log(7.619853024160527e-24), within(1e-9));
    assertThat(TruncatedNormal.ndtr(-3.5)).isCloseTo(2.3262907903552504e-4, within(1e-15));
    for (double q : new double[] {0.01, 0.3, 0.5, 0.9, 0.999}) {
      for (double[] ab : new double[][] {{-1, 1}, {-8, -2}, {2, 9}, {-0.5, 40}}) {
        double c = TruncatedNormal.ppf(q, ab[0], ab[1]);
        double mass =
            Math.exp(
                TruncatedNormal.logGaussMass(ab[0], c)
                    - TruncatedNormal.logGaussMass(ab[0], ab[1]));
        assertThat(mass).as("q=%s a=%s b=%s", q, ab[0], ab[1]).isCloseTo(q, within(1e-7));
      }
    }
  }

  private static org.assertj.core.data.Offset<Double> within(double e) {
    return org.assertj.core.data.Offset.offset(e);
  }

  @Test
  void singleValuedParametersTakeTheirValueAndConsumeNoRandomNumbers() {
    // As Optuna's trial sets a one-value domain without asking the sampler: the others' draws,
    // startup and TPE, are those of the space without it.
    for (boolean multivariate : new boolean[] {true, false}) {
      TpeSampler sampler = new TpeSampler(5, 10, TpeSampler.DEFAULT_CANDIDATES, multivariate);
      List<Observation> plain = new ArrayList<>();
      List<Observation> padded = new ArrayList<>();
      for (int n = 0; n < 25; n++) {
        Map<String, Double> p = sampler.suggest(n, mixedSpace(), plain, false);
        Map<String, Distribution> space = new LinkedHashMap<>();
        space.put("fixedWidth", new IntRange(64, 64, false));
        space.putAll(mixedSpace());
        space.put("fixedChoice", new Categorical(1));
        space.put("fixedRate", new FloatRange(0.5, 0.5, false));
        Map<String, Double> q = sampler.suggest(n, space, padded, false);
        assertThat(q).containsEntry("fixedWidth", 64.0).containsEntry("fixedChoice", 0.0);
        assertThat(q).containsEntry("fixedRate", 0.5);
        Map<String, Double> rest = new LinkedHashMap<>(q);
        rest.keySet().removeAll(List.of("fixedWidth", "fixedChoice", "fixedRate"));
        assertThat(rest).as("trial %d, multivariate %s", n, multivariate).isEqualTo(p);
        plain.add(Observation.complete(n, p, objective(p)));
        padded.add(Observation.complete(n, q, objective(p)));
      }
    }
  }
}
