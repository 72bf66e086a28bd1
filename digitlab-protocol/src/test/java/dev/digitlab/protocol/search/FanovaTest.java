package dev.digitlab.protocol.search;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * fANOVA against Optuna's {@code FanovaImportanceEvaluator(seed=0)} on the same trials (test
 * resource {@code optuna/fanova.json}, from {@code bench/optuna-reference.sh}): exactly, given the
 * very trees scikit-learn grew for Optuna; and as two forests agree, with our own trees.
 */
class FanovaTest {

  private static final JsonNode REFERENCE = OptunaReference.read("fanova.json");

  @Test
  void givenScikitLearnsTreesTheDecompositionEqualsOptunas() {
    int studies = 0;
    for (JsonNode study : REFERENCE.get("studies")) {
      if (!study.has("trees")) {
        continue;
      }
      double[][] bounds = new double[study.get("bounds").size()][];
      for (int i = 0; i < bounds.length; i++) {
        bounds[i] = OptunaReference.doubles(study.get("bounds").get(i));
      }
      List<FanovaTree> trees = new ArrayList<>();
      for (JsonNode t : study.get("trees")) {
        trees.add(
            new FanovaTree(
                OptunaReference.ints(t.get("feature")),
                OptunaReference.doubles(t.get("threshold")),
                OptunaReference.ints(t.get("left")),
                OptunaReference.ints(t.get("right")),
                OptunaReference.doubles(t.get("value")),
                bounds));
      }
      assertThat(trees).hasSize(Fanova.DEFAULT_TREES);
      double[] raw = OptunaReference.doubles(study.get("raw"));
      for (int f = 0; f < raw.length; f++) {
        int[] columns = OptunaReference.ints(study.get("columns").get(f));
        assertThat(Fanova.importance(trees, columns))
            .as("%s, parameter %d", study.get("name").asString(), f)
            .isCloseTo(raw[f], within(1e-9));
      }
      studies++;
    }
    assertThat(studies).isEqualTo(2);
  }

  @Test
  void ourForestGivesOptunasImportancesWithinWhatTwoForestsDiffer() {
    for (JsonNode study : REFERENCE.get("studies")) {
      Map<String, Distribution> space = OptunaReference.space(study.get("space"));
      List<Map<String, Double>> params = new ArrayList<>();
      List<Double> values = new ArrayList<>();
      for (JsonNode trial : study.get("trials")) {
        Map<String, Double> p = new HashMap<>();
        trial.get("params").properties().forEach(e -> p.put(e.getKey(), e.getValue().asDouble()));
        params.add(p);
        values.add(trial.get("value").asDouble());
      }
      Map<String, Double> ours =
          Fanova.importances(
              space, params, values.stream().mapToDouble(Double::doubleValue).toArray(), 0);
      Map<String, Double> optuna = new LinkedHashMap<>();
      study
          .get("importances")
          .properties()
          .forEach(e -> optuna.put(e.getKey(), e.getValue().asDouble()));
      String name = study.get("name").asString();
      assertThat(ours.keySet()).as(name).containsExactlyInAnyOrderElementsOf(optuna.keySet());
      assertThat(ours.values().stream().mapToDouble(Double::doubleValue).sum())
          .isCloseTo(1.0, within(1e-12));
      // Optuna's own forests, seeds 0 to 9, spread its figures (by 0.2 on the TPE study): ours,
      // one more forest, must fall in that range widened by half of it and 0.01 either side.
      JsonNode range = study.get("seedRange");
      optuna
          .keySet()
          .forEach(
              parameter -> {
                double low = range.get(parameter).get(0).asDouble();
                double high = range.get(parameter).get(1).asDouble();
                double margin = 0.5 * (high - low) + 0.01;
                assertThat(ours.get(parameter))
                    .as("%s: %s (Optuna %s over seeds)", name, parameter, range.get(parameter))
                    .isBetween(low - margin, high + margin);
              });
      // The ranking, where Optuna's forests never disagree on it.
      List<String> order = new ArrayList<>(optuna.keySet());
      for (int i = 0; i + 1 < order.size(); i++) {
        double lowOfHigher = range.get(order.get(i)).get(0).asDouble();
        double highOfLower = range.get(order.get(i + 1)).get(1).asDouble();
        if (lowOfHigher > highOfLower + 0.02) {
          assertThat(ours.get(order.get(i))).as(name).isGreaterThan(ours.get(order.get(i + 1)));
        }
      }
    }
  }

  @Test
  void aParameterThatDoesNothingGetsAlmostNothingAndTheSameSeedGivesTheSameFigures() {
    Map<String, Distribution> space = new LinkedHashMap<>();
    space.put("a", new Distribution.FloatRange(0, 1, false));
    space.put("noise", new Distribution.FloatRange(1e-3, 1, true));
    space.put("fixed", new Distribution.IntRange(3, 3, false));
    java.util.Random rng = new java.util.Random(5);
    List<Map<String, Double>> params = new ArrayList<>();
    double[] values = new double[50];
    for (int i = 0; i < values.length; i++) {
      double a = rng.nextDouble();
      params.add(
          Map.of("a", a, "noise", Math.exp(Math.log(1e-3) * rng.nextDouble()), "fixed", 3.0));
      values[i] = 10 * a * a;
    }
    Map<String, Double> first = Fanova.importances(space, params, values, 1);
    assertThat(first.get("a")).isGreaterThan(0.95);
    assertThat(first.get("fixed")).isZero();
    assertThat(Fanova.importances(space, params, values, 1)).isEqualTo(first);
    assertThat(Fanova.importances(space, params.subList(0, 1), values, 1)).isEmpty();
  }
}
