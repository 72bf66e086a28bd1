package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * One TPE step against Optuna's default {@code TPESampler} (reference {@code optuna/tpe.json},
 * written by {@code bench/optuna-reference.sh}) on histories of 10 to 45 trials over the mixed-5
 * space (log float, float, log int, int, categorical), some with pruned trials: the same trials go
 * "below" (gamma, the pruned trials' ranking), the acquisition log l(x) − log g(x) is the same at
 * the same candidates (prior weight, weights ramp past 25), and the candidates we draw from l(x)
 * follow Optuna's marginals for the categorical (kernel rows plus the prior's uniform row) and the
 * two ints (the truncated normal on [low − ½, high + ½] rounded to a whole number).
 *
 * <p>The same three checks on the purely continuous functions of the benchmark, Branin (2 floats)
 * and Hartmann-6 (6 floats), on histories of 10 to 60 trials that Optuna's own TPE produced
 * (reference {@code optuna/tpe-continuous.json}): the float path alone (bandwidths from sorted
 * neighbours and the range ends, no endpoint kernels, the magic clip counting the prior, the
 * truncated normal's log density on [low, high]), and our draws over a 5 × 5 grid of the first two
 * parameters against the probability Optuna's mixture gives each cell.
 */
class TpeStepMatchesOptunaTest {

  private static final JsonNode REFERENCE = OptunaReference.read("tpe.json");
  private static final Map<String, Distribution> SPACE =
      OptunaReference.space(REFERENCE.get("space"));
  private static final List<String> NAMES = List.copyOf(SPACE.keySet());

  @Test
  void theSplitPutsTheSameTrialsBelow() {
    for (JsonNode c : REFERENCE.get("cases")) {
      List<Observation> trials = observations(c);
      int finished = trials.size();
      TpeSampler.Split split = TpeSampler.split(trials, TpeSampler.gamma(finished), false);
      assertThat(split.below().stream().map(Observation::number).toList())
          .as("%d trials", finished)
          .containsExactlyElementsOf(
              Arrays.stream(OptunaReference.ints(c.get("below"))).boxed().toList());
    }
  }

  @Test
  void theAcquisitionEqualsOptunasAtEveryCandidate() {
    int checked = 0;
    for (JsonNode c : REFERENCE.get("cases")) {
      Estimators e = estimators(c);
      double[] expected = OptunaReference.doubles(c.get("acquisition"));
      for (int p = 0; p < expected.length; p++) {
        double[] x = new double[NAMES.size()];
        for (int d = 0; d < NAMES.size(); d++) {
          x[d] = c.get("candidates").get(NAMES.get(d)).get(p).asDouble();
        }
        double ours = e.below().logPdf(x) - e.above().logPdf(x);
        assertThat(ours)
            .as("%d trials, candidate %d", c.get("trials").size(), p)
            .isCloseTo(expected[p], within(1e-9 * Math.max(1, Math.abs(expected[p]))));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(12 * 24);
  }

  /**
   * 50,000 draws from our l(x): each choice of the categorical and each value of an int comes up as
   * often as Optuna's l(x) gives it probability, within 5 binomial standard errors (plus 1e-4). An
   * off-by-one in the choice lookup, a different rounding of the ints or a prior row of another
   * weight moves the frequencies by far more.
   */
  @Test
  void theDrawsFollowOptunasMarginalsForTheCategoricalAndTheInts() {
    int draws = 50_000;
    for (JsonNode c : REFERENCE.get("cases")) {
      double[][] samples = estimators(c).below().sample(NumpyRandomState.seeded(18), draws);
      for (String name : List.of("optimizer", "epochs", "hidden")) {
        int column = NAMES.indexOf(name);
        double[] expected = OptunaReference.doubles(c.get("belowMarginals").get(name));
        double offset =
            switch (SPACE.get(name)) {
              case Distribution.IntRange range -> range.low();
              default -> 0;
            };
        int[] counts = new int[expected.length];
        for (double[] s : samples) {
          counts[(int) (s[column] - offset)]++;
        }
        double total = 0;
        for (int v = 0; v < expected.length; v++) {
          total += expected[v];
          double p = expected[v];
          double tolerance = 5 * Math.sqrt(p * (1 - p) / draws) + 1e-4;
          assertThat((double) counts[v] / draws)
              .as("%s = %s, %d trials", name, v + offset, c.get("trials").size())
              .isCloseTo(p, within(tolerance));
        }
        assertThat(total).as("%s's probabilities sum to 1", name).isCloseTo(1, within(1e-9));
      }
    }
  }

  private static final JsonNode CONTINUOUS = OptunaReference.read("tpe-continuous.json");

  @Test
  void onBraninAndHartmann6TheSplitPutsTheSameTrialsBelow() {
    for (JsonNode c : CONTINUOUS.get("cases")) {
      List<Observation> trials = continuousObservations(c);
      TpeSampler.Split split = TpeSampler.split(trials, TpeSampler.gamma(trials.size()), false);
      assertThat(split.below().stream().map(Observation::number).toList())
          .as("%s, %d trials", c.get("function").asString(), trials.size())
          .containsExactlyElementsOf(
              Arrays.stream(OptunaReference.ints(c.get("below"))).boxed().toList());
    }
  }

  @Test
  void onBraninAndHartmann6TheAcquisitionEqualsOptunasAtEveryCandidate() {
    int checked = 0;
    for (JsonNode c : CONTINUOUS.get("cases")) {
      List<String> names = List.copyOf(OptunaReference.space(c.get("space")).keySet());
      Estimators e = continuousEstimators(c);
      double[] expected = OptunaReference.doubles(c.get("acquisition"));
      for (int p = 0; p < expected.length; p++) {
        double[] x = new double[names.size()];
        for (int d = 0; d < names.size(); d++) {
          x[d] = c.get("candidates").get(names.get(d)).get(p).asDouble();
        }
        assertThat(e.below().logPdf(x) - e.above().logPdf(x))
            .as(
                "%s, %d trials, candidate %d",
                c.get("function").asString(), c.get("trials").size(), p)
            .isCloseTo(expected[p], within(1e-9 * Math.max(1, Math.abs(expected[p]))));
        checked++;
      }
    }
    assertThat(checked).isEqualTo(20 * 24);
  }

  /**
   * 40,000 draws from our l(x) fall in each cell of a 5 × 5 grid over the first two parameters as
   * often as Optuna's l(x) gives it probability, within 5 binomial standard errors (plus 1e-4): a
   * bandwidth off by a neighbour, a different truncation or coordinates drawn from different
   * kernels would move the cells by far more.
   */
  @Test
  void onBraninAndHartmann6TheDrawsFollowOptunasJointOverTwoParameters() {
    int draws = 40_000;
    for (JsonNode c : CONTINUOUS.get("cases")) {
      JsonNode grid = c.get("grid");
      double[][] samples =
          continuousEstimators(c).below().sample(NumpyRandomState.seeded(18), draws);
      double[] xEdges = OptunaReference.doubles(grid.get("edges").get(0));
      double[] yEdges = OptunaReference.doubles(grid.get("edges").get(1));
      int[][] counts = new int[5][5];
      for (double[] s : samples) {
        counts[cell(s[0], xEdges)][cell(s[1], yEdges)]++;
      }
      for (int i = 0; i < 5; i++) {
        for (int j = 0; j < 5; j++) {
          double p = grid.get("probability").get(i).get(j).asDouble();
          double tolerance = 5 * Math.sqrt(p * (1 - p) / draws) + 1e-4;
          assertThat((double) counts[i][j] / draws)
              .as(
                  "%s, %d trials, cell (%d, %d)",
                  c.get("function").asString(), c.get("trials").size(), i, j)
              .isCloseTo(p, within(tolerance));
        }
      }
    }
  }

  private static int cell(double x, double[] edges) {
    int i = 0;
    while (i < edges.length - 2 && x >= edges[i + 1]) {
      i++;
    }
    return i;
  }

  private static List<Observation> continuousObservations(JsonNode c) {
    List<String> names = List.copyOf(OptunaReference.space(c.get("space")).keySet());
    List<Observation> out = new ArrayList<>();
    int number = 0;
    for (JsonNode t : c.get("trials")) {
      Map<String, Double> params = new HashMap<>();
      for (String name : names) {
        params.put(name, t.get("params").get(name).asDouble());
      }
      out.add(Observation.complete(number++, params, t.get("value").asDouble()));
    }
    return out;
  }

  private static Estimators continuousEstimators(JsonNode c) {
    Map<String, Distribution> space = OptunaReference.space(c.get("space"));
    List<String> names = List.copyOf(space.keySet());
    List<Observation> trials = continuousObservations(c);
    TpeSampler.Split split = TpeSampler.split(trials, TpeSampler.gamma(trials.size()), false);
    List<Distribution> distributions = names.stream().map(space::get).toList();
    return new Estimators(
        new ParzenEstimator(rows(split.below(), names), distributions),
        new ParzenEstimator(rows(split.above(), names), distributions));
  }

  private record Estimators(ParzenEstimator below, ParzenEstimator above) {}

  private static Estimators estimators(JsonNode c) {
    List<Observation> trials = observations(c);
    TpeSampler.Split split = TpeSampler.split(trials, TpeSampler.gamma(trials.size()), false);
    List<Distribution> distributions = NAMES.stream().map(SPACE::get).toList();
    return new Estimators(
        new ParzenEstimator(rows(split.below(), NAMES), distributions),
        new ParzenEstimator(rows(split.above(), NAMES), distributions));
  }

  private static double[][] rows(List<Observation> trials, List<String> names) {
    double[][] out = new double[trials.size()][names.size()];
    for (int i = 0; i < out.length; i++) {
      for (int d = 0; d < names.size(); d++) {
        out[i][d] = trials.get(i).params().get(names.get(d));
      }
    }
    return out;
  }

  private static List<Observation> observations(JsonNode c) {
    List<Observation> out = new ArrayList<>();
    int number = 0;
    for (JsonNode t : c.get("trials")) {
      Map<String, Double> params = new HashMap<>();
      for (String name : NAMES) {
        params.put(name, t.get("params").get(name).asDouble());
      }
      if (t.get("state").asString().equals("pruned")) {
        TreeMap<Integer, Double> curve = new TreeMap<>();
        for (var step : t.get("intermediate").properties()) {
          curve.put(Integer.parseInt(step.getKey()), step.getValue().asDouble());
        }
        out.add(Observation.pruned(number, params, curve));
      } else {
        out.add(Observation.complete(number, params, t.get("value").asDouble()));
      }
      number++;
    }
    return out;
  }
}
