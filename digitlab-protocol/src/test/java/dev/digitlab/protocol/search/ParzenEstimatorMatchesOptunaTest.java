package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Our Parzen estimator and truncated normal against Optuna's own numbers: the same observations
 * give the same mixture density at the same points (so the same acquisition l(x)/g(x) for a
 * candidate), over the mixed space with a log float, a float, a log int, an int and a categorical,
 * jointly (multivariate TPE) and one parameter at a time (independent TPE), with 0 to 40
 * observations (past 25 the weights ramp) spread out or clustered (narrow, clipped bandwidths).
 */
class ParzenEstimatorMatchesOptunaTest {

  private static final JsonNode REFERENCE = OptunaReference.read("parzen.json");

  @Test
  void theMixtureDensityEqualsOptunasAtEveryPoint() {
    int checked = 0;
    for (JsonNode c : REFERENCE.get("cases")) {
      Map<String, Distribution> space = OptunaReference.space(c.get("space"));
      List<String> names = new ArrayList<>(space.keySet());
      int n = c.get("observations").get(names.get(0)).size();
      double[][] observations = new double[n][names.size()];
      for (int d = 0; d < names.size(); d++) {
        double[] column = OptunaReference.doubles(c.get("observations").get(names.get(d)));
        for (int i = 0; i < n; i++) {
          observations[i][d] = column[i];
        }
      }
      ParzenEstimator estimator =
          new ParzenEstimator(observations, names.stream().map(space::get).toList());
      double[] expected = OptunaReference.doubles(c.get("logPdf"));
      for (int p = 0; p < expected.length; p++) {
        double[] x = new double[names.size()];
        for (int d = 0; d < names.size(); d++) {
          x[d] = c.get("points").get(names.get(d)).get(p).asDouble();
        }
        assertThat(estimator.logPdf(x))
            .as("%s, %d observations, point %d", names, n, p)
            .isCloseTo(expected[p], within(1e-9 * Math.max(1, Math.abs(expected[p]))));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(2000);
  }

  @Test
  void theTruncatedNormalEqualsOptunas() {
    for (JsonNode g : REFERENCE.get("truncnorm")) {
      double q = g.get("q").asDouble();
      double a = g.get("a").asDouble();
      double b = g.get("b").asDouble();
      double mass = g.get("logGaussMass").asDouble();
      double ppf = g.get("ppf").asDouble();
      assertThat(TruncatedNormal.logGaussMass(a, b))
          .as("log mass on [%s, %s]", a, b)
          .isCloseTo(mass, within(1e-9 * Math.max(1, Math.abs(mass))));
      assertThat(TruncatedNormal.ppf(q, a, b))
          .as("ppf(%s) on [%s, %s]", q, a, b)
          .isCloseTo(ppf, within(1e-7 * Math.max(1, Math.abs(ppf))));
    }
  }
}
