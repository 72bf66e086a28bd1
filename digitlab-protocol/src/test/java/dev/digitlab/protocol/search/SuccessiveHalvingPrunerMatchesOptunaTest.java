package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Our ASHA against Optuna's own {@code SuccessiveHalvingPruner} (reference {@code
 * optuna/asha.json}, written by {@code bench/optuna-reference.sh}): 30 trials per case, up to 3
 * running at once and reporting in a random order, for minimum resources 1 and 2, reduction factors
 * 2, 3 and 4, early-stopping rates 0 and 1, bootstrap counts 0 to 4, maximising and minimising.
 * Every report gets Optuna's decision: the rung steps, the values each rung compares (every trial
 * that reached it, running, finished or pruned), the promotion rule with its "first arrivals go on
 * only if best" case, and the bootstrap (a rung's first arrivals stop there).
 */
class SuccessiveHalvingPrunerMatchesOptunaTest {

  private static final JsonNode REFERENCE = OptunaReference.read("asha.json");

  @Test
  void everyDecisionOnInterleavedCurvesEqualsOptunas() {
    int decisions = 0;
    int pruned = 0;
    for (JsonNode c : REFERENCE.get("cases")) {
      var pruner =
          new SuccessiveHalvingPruner(
              c.get("minResource").asInt(),
              c.get("reductionFactor").asInt(),
              c.get("minEarlyStoppingRate").asInt(),
              c.get("bootstrapCount").asInt());
      boolean maximize = c.get("direction").asString().equals("maximize");
      Map<Integer, TreeMap<Integer, Double>> curves = new TreeMap<>();
      Map<Integer, TrialState> states = new TreeMap<>();
      for (JsonNode e : c.get("events")) {
        int number = e.get("trial").asInt();
        curves
            .computeIfAbsent(number, n -> new TreeMap<>())
            .put(e.get("step").asInt(), e.get("value").asDouble());
        states.putIfAbsent(number, TrialState.PENDING);
        List<Observation> others = new ArrayList<>();
        curves.forEach(
            (n, curve) -> {
              if (n != number) {
                others.add(
                    new Observation(
                        n, states.get(n), Map.of(), curve.lastEntry().getValue(), curve));
              }
            });
        Observation self =
            new Observation(number, TrialState.PENDING, Map.of(), Double.NaN, curves.get(number));
        boolean expected = e.get("pruned").asBoolean();
        assertThat(pruner.shouldPrune(self, others, maximize))
            .as("%s: trial %d at step %d", pruner, number, e.get("step").asInt())
            .isEqualTo(expected);
        if (expected) {
          states.put(number, TrialState.PRUNED);
          pruned++;
        }
        decisions++;
      }
    }
    assertThat(decisions).isGreaterThan(1500);
    assertThat(pruned).as("both answers are checked").isGreaterThan(400);
    assertThat(REFERENCE.get("cases"))
        .as("cases with a bootstrap count")
        .filteredOn(c -> c.get("bootstrapCount").asInt() > 0)
        .hasSize(10);
  }
}
