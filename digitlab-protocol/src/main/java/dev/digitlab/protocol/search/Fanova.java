package dev.digitlab.protocol.search;

import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Parameter importance by fANOVA (Hutter, Hoos and Leyton-Brown 2014) as Optuna's {@code
 * FanovaImportanceEvaluator} computes it: a random forest of 64 regression trees (bootstrap
 * samples, depth ≤ 64) predicts the objective from the parameters, each tree's prediction is
 * decomposed into the variance its marginal over one parameter explains, and a parameter's
 * importance is that fraction averaged over the trees, normalised so that all sum to 1 (Optuna's
 * {@code get_param_importances}).
 *
 * <p>Encoding as Optuna's ({@code _SearchSpaceTransform} without log or step transform): ranges as
 * their raw values between their bounds (not their logarithm), a categorical as one 0/1 column per
 * choice, its importance the marginal over those columns together. A parameter with a single
 * possible value gets 0.
 *
 * <p>The forest is ours, seeded: its trees are not scikit-learn's draw for draw, so figures agree
 * with Optuna's as two forests of 64 trees agree, not digit for digit; {@link FanovaTree} is exact
 * given the same trees.
 */
public final class Fanova {

  public static final int DEFAULT_TREES = 64;
  public static final int DEFAULT_MAX_DEPTH = 64;

  private Fanova() {}

  /**
   * Normalised importances, largest first; empty when fewer than two trials have every parameter
   * and a finite value.
   *
   * @param params each trial's values, internal representation (as the samplers use)
   * @param values each trial's objective, same order
   */
  public static Map<String, Double> importances(
      Map<String, Distribution> space,
      List<Map<String, Double>> params,
      double[] values,
      long seed) {
    List<String> names = new ArrayList<>(space.keySet());
    List<String> varying = names.stream().filter(n -> !single(space.get(n))).toList();
    List<double[]> rows = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (int i = 0; i < params.size(); i++) {
      Map<String, Double> p = params.get(i);
      if (Double.isFinite(values[i]) && p.keySet().containsAll(names)) {
        rows.add(encode(space, varying, p));
        ys.add(values[i]);
      }
    }
    if (rows.size() <= 1) {
      return Map.of();
    }
    Map<String, Double> raw = new LinkedHashMap<>();
    if (!varying.isEmpty()) {
      double[][] x = rows.toArray(double[][]::new);
      double[] y = ys.stream().mapToDouble(Double::doubleValue).toArray();
      List<FanovaTree> trees = forest(x, y, bounds(space, varying), seed);
      List<int[]> groups = columnGroups(space, varying);
      for (int f = 0; f < varying.size(); f++) {
        raw.put(varying.get(f), importance(trees, groups.get(f)));
      }
    }
    names.forEach(n -> raw.putIfAbsent(n, 0.0));
    return normalised(raw);
  }

  /** Optuna's normalisation: divide by the sum; all equal when the sum is 0. Largest first. */
  static Map<String, Double> normalised(Map<String, Double> raw) {
    double sum = raw.values().stream().mapToDouble(Double::doubleValue).sum();
    Map<String, Double> out = new LinkedHashMap<>();
    raw.entrySet().stream()
        .sorted(Map.Entry.<String, Double>comparingByValue().reversed())
        .forEach(e -> out.put(e.getKey(), sum == 0 ? 1.0 / raw.size() : e.getValue() / sum));
    return out;
  }

  /**
   * Optuna's {@code _Fanova.get_importance}: the mean, over the trees whose prediction varies, of
   * the fraction of the tree's variance that the marginal over {@code columns} explains.
   */
  static double importance(List<FanovaTree> trees, int[] columns) {
    double sum = 0;
    int counted = 0;
    for (FanovaTree tree : trees) {
      if (tree.variance() > 0) {
        sum += Math.max(0, tree.marginalVariance(columns)) / tree.variance();
        counted++;
      }
    }
    return counted == 0 ? 0 : sum / counted;
  }

  private static List<FanovaTree> forest(double[][] x, double[] y, double[][] bounds, long seed) {
    Random rng = new Random(seed);
    int n = y.length;
    List<FanovaTree> trees = new ArrayList<>();
    for (int t = 0; t < DEFAULT_TREES; t++) {
      double[] counts = new double[n];
      for (int i = 0; i < n; i++) {
        counts[rng.nextInt(n)]++;
      }
      trees.add(RegressionTree.grow(x, y, counts, DEFAULT_MAX_DEPTH, rng, bounds));
    }
    return trees;
  }

  private static boolean single(Distribution d) {
    return switch (d) {
      case Categorical c -> c.size() == 1;
      case FloatRange r -> r.low() == r.high();
      case IntRange r -> r.low() == r.high();
    };
  }

  private static double[] encode(
      Map<String, Distribution> space, List<String> varying, Map<String, Double> p) {
    List<Double> row = new ArrayList<>();
    for (String name : varying) {
      if (space.get(name) instanceof Categorical c) {
        for (int k = 0; k < c.size(); k++) {
          row.add(p.get(name).intValue() == k ? 1.0 : 0.0);
        }
      } else {
        row.add(p.get(name));
      }
    }
    return row.stream().mapToDouble(Double::doubleValue).toArray();
  }

  private static double[][] bounds(Map<String, Distribution> space, List<String> varying) {
    List<double[]> out = new ArrayList<>();
    for (String name : varying) {
      switch (space.get(name)) {
        case Categorical c -> {
          for (int k = 0; k < c.size(); k++) {
            out.add(new double[] {0, 1});
          }
        }
        case FloatRange r -> out.add(new double[] {r.low(), r.high()});
        case IntRange r -> out.add(new double[] {r.low(), r.high()});
      }
    }
    return out.toArray(double[][]::new);
  }

  private static List<int[]> columnGroups(Map<String, Distribution> space, List<String> varying) {
    List<int[]> out = new ArrayList<>();
    int column = 0;
    for (String name : varying) {
      int width = space.get(name) instanceof Categorical c ? c.size() : 1;
      int[] group = new int[width];
      for (int k = 0; k < width; k++) {
        group[k] = column++;
      }
      out.add(group);
    }
    return out;
  }
}
