package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.search.Distribution.FloatRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Same seed, same suggestions as Optuna: whole sequential studies of Optuna 5's {@code
 * TPESampler(seed=…)} (multivariate, the default), {@code multivariate=False}, {@code
 * n_startup_trials=0} and {@code RandomSampler(seed=…)} on Branin, Hartmann-6 and mixed5, 40 trials
 * and two seeds each (reference {@code optuna/suggestions.json}, recorded by {@code
 * bench/optuna-reference.sh}). Given the trials before it, each of our suggestions must equal
 * Optuna's trial: whole numbers and choices exactly, floats to 1e-9 relative. The tolerance is
 * there because Java's {@code log}, {@code exp} and our normal CDF differ from glibc's and Optuna's
 * erf in the last bits, and Optuna's Newton iteration for the truncated-normal quantile runs until
 * the whole batch converges (ours per value): differences of order 1e-15. A different random number
 * would move a value by far more than 1e-9.
 */
class SameSuggestionsAsOptunaTest {

  private static final JsonNode REFERENCE = OptunaReference.read("suggestions.json");

  @Test
  void everySuggestionOfEveryStudyEqualsOptunas() {
    List<String> mismatches = new ArrayList<>();
    int compared = 0;
    for (JsonNode study : REFERENCE.get("studies")) {
      Map<String, Distribution> space = OptunaReference.space(study.get("space"));
      long seed = study.get("seed").asLong();
      int startup = study.get("startupTrials").asInt();
      Sampler sampler =
          switch (study.get("sampler").asString()) {
            case "tpe" -> new TpeSampler(seed, startup, TpeSampler.DEFAULT_CANDIDATES, true);
            case "tpe_indep" -> new TpeSampler(seed, startup, TpeSampler.DEFAULT_CANDIDATES, false);
            case "random" -> new RandomSampler(seed);
            default -> throw new IllegalArgumentException(study.get("sampler").asString());
          };
      String label =
          study.get("function").asString()
              + " "
              + study.get("sampler").asString()
              + " seed "
              + seed
              + " startup "
              + startup;
      List<Observation> history = new ArrayList<>();
      JsonNode trials = study.get("trials");
      for (int t = 0; t < trials.size(); t++) {
        Map<String, Double> expected = params(trials.get(t).get("params"));
        Map<String, Double> ours = sampler.suggest(t, space, history, false);
        compared++;
        if (!same(space, ours, expected)) {
          mismatches.add(label + " trial " + t + ": ours " + ours + ", Optuna's " + expected);
        }
        // Optuna's own trial goes into the history, so one step's difference cannot cascade.
        history.add(Observation.complete(t, expected, trials.get(t).get("value").asDouble()));
      }
    }
    assertThat(compared).isEqualTo(19 * 40);
    assertThat(mismatches).isEmpty();
  }

  @Test
  void aClosedLoopStudyRepeatsOptunasBraninStudyWithItsOwnValues() {
    // Our suggestions and our own Branin values all the way: no help from Optuna's history.
    for (JsonNode study : REFERENCE.get("studies")) {
      if (!study.get("function").asString().equals("branin")
          || !study.get("sampler").asString().equals("tpe")) {
        continue;
      }
      Map<String, Distribution> space = OptunaReference.space(study.get("space"));
      TpeSampler sampler = new TpeSampler(study.get("seed").asLong());
      List<Observation> history = new ArrayList<>();
      JsonNode trials = study.get("trials");
      for (int t = 0; t < trials.size(); t++) {
        Map<String, Double> ours = sampler.suggest(t, space, history, false);
        assertThat(same(space, ours, params(trials.get(t).get("params"))))
            .as("seed %s trial %d: %s", study.get("seed"), t, ours)
            .isTrue();
        history.add(Observation.complete(t, ours, branin(ours)));
      }
    }
  }

  private static double branin(Map<String, Double> p) {
    double x1 = p.get("x1");
    double x2 = p.get("x2");
    double a = x2 - 5.1 / (4 * Math.PI * Math.PI) * x1 * x1 + 5 / Math.PI * x1 - 6;
    return a * a + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x1) + 10;
  }

  private static boolean same(
      Map<String, Distribution> space, Map<String, Double> ours, Map<String, Double> expected) {
    if (!ours.keySet().equals(expected.keySet())) {
      return false;
    }
    for (Map.Entry<String, Double> e : expected.entrySet()) {
      double a = ours.get(e.getKey());
      double b = e.getValue();
      boolean equal =
          space.get(e.getKey()) instanceof FloatRange
              ? Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b))
              : a == b;
      if (!equal) {
        return false;
      }
    }
    return true;
  }

  private static Map<String, Double> params(JsonNode node) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (var entry : node.properties()) {
      out.put(entry.getKey(), entry.getValue().asDouble());
    }
    return out;
  }
}
