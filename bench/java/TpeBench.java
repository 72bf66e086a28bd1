import dev.digitlab.protocol.search.Distribution;
import dev.digitlab.protocol.search.Distribution.Categorical;
import dev.digitlab.protocol.search.Distribution.FloatRange;
import dev.digitlab.protocol.search.Distribution.IntRange;
import dev.digitlab.protocol.search.Observation;
import dev.digitlab.protocol.search.RandomSampler;
import dev.digitlab.protocol.search.Sampler;
import dev.digitlab.protocol.search.TpeSampler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * Drives Digit Lab's TPE and random samplers (digitlab-protocol's search package, no server) on the
 * analytic functions of bench/tpe-vs-optuna.sh; bench/tpe_vs_optuna.py defines the same functions
 * for Optuna. Prints one JSON line per (function, sampler, seed) with the simple regret (the best
 * value found minus the known minimum) and every trial's parameters, internal representation, in
 * the space's order (the table counts how many equal Optuna's).
 *
 * <p>java -cp CLASSES bench/java/TpeBench.java TRIALS SEEDS [FUNCTION,… [FIRST_SEED [KIND,…]]]
 */
public final class TpeBench {

  record Problem(
      String name, Map<String, Distribution> space, ToDoubleFunction<Map<String, Double>> f, double min) {}

  static final double[][] HARTMANN_A = {
    {10, 3, 17, 3.5, 1.7, 8},
    {0.05, 10, 17, 0.1, 8, 14},
    {3, 3.5, 1.7, 10, 17, 8},
    {17, 8, 0.05, 10, 0.1, 14}
  };
  static final double[][] HARTMANN_P = {
    {1312, 1696, 5569, 124, 8283, 5886},
    {2329, 4135, 8307, 3736, 1004, 9991},
    {2348, 1451, 3522, 2883, 3047, 6650},
    {4047, 8828, 8732, 5743, 1091, 381}
  };
  static final double[] HARTMANN_ALPHA = {1.0, 1.2, 3.0, 3.2};
  static final double[] MIXED_OFFSETS = {0.4, 0.0, 0.8, 0.2};

  static List<Problem> problems() {
    Map<String, Distribution> branin = new LinkedHashMap<>();
    branin.put("x1", new FloatRange(-5, 10, false));
    branin.put("x2", new FloatRange(0, 15, false));
    Map<String, Distribution> hartmann = new LinkedHashMap<>();
    for (int i = 0; i < 6; i++) {
      hartmann.put("x" + i, new FloatRange(0, 1, false));
    }
    Map<String, Distribution> mixed = new LinkedHashMap<>();
    mixed.put("lr", new FloatRange(1e-4, 1e-1, true));
    mixed.put("dropout", new FloatRange(0, 0.5, false));
    mixed.put("hidden", new IntRange(16, 512, true));
    mixed.put("epochs", new IntRange(1, 10, false));
    mixed.put("optimizer", new Categorical(4));
    return List.of(
        new Problem("branin", branin, TpeBench::branin, 0.397887357729738),
        new Problem("hartmann6", hartmann, TpeBench::hartmann6, -3.32236801141551),
        new Problem("mixed5", mixed, TpeBench::mixed5, 0.0));
  }

  static double branin(Map<String, Double> p) {
    double x1 = p.get("x1");
    double x2 = p.get("x2");
    double b = 5.1 / (4 * Math.PI * Math.PI);
    double c = 5 / Math.PI;
    double t = 1 / (8 * Math.PI);
    double a = x2 - b * x1 * x1 + c * x1 - 6;
    return a * a + 10 * (1 - t) * Math.cos(x1) + 10;
  }

  static double hartmann6(Map<String, Double> p) {
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      double inner = 0;
      for (int j = 0; j < 6; j++) {
        double d = p.get("x" + j) - HARTMANN_P[i][j] * 1e-4;
        inner += HARTMANN_A[i][j] * d * d;
      }
      sum += HARTMANN_ALPHA[i] * Math.exp(-inner);
    }
    return -sum;
  }

  static double mixed5(Map<String, Double> p) {
    double lr = Math.log10(p.get("lr")) + 2.5;
    double dropout = p.get("dropout") - 0.2;
    double hidden = Math.log(p.get("hidden") / 128.0);
    double epochs = (p.get("epochs") - 6) / 3.0;
    return lr * lr
        + 4 * dropout * dropout
        + 0.5 * hidden * hidden
        + epochs * epochs
        + MIXED_OFFSETS[p.get("optimizer").intValue()];
  }

  public static void main(String[] args) {
    int trials = Integer.parseInt(args[0]);
    int seeds = Integer.parseInt(args[1]);
    List<String> only = args.length > 2 ? List.of(args[2].split(",")) : List.of();
    int firstSeed = args.length > 3 ? Integer.parseInt(args[3]) : 0;
    List<String> kinds =
        args.length > 4
            ? java.util.Arrays.stream(args[4].split(",")).map(k -> "ours_" + k).toList()
            : List.of("ours_tpe", "ours_tpe_indep", "ours_random");
    for (Problem problem : problems()) {
      if (!only.isEmpty() && !only.contains(problem.name())) {
        continue;
      }
      for (String kind : kinds) {
        for (int seed = firstSeed; seed < firstSeed + seeds; seed++) {
          Sampler sampler =
              switch (kind) {
                case "ours_tpe" -> new TpeSampler(seed);
                case "ours_tpe_indep" ->
                    new TpeSampler(
                        seed, TpeSampler.DEFAULT_STARTUP_TRIALS, TpeSampler.DEFAULT_CANDIDATES, false);
                default -> new RandomSampler(seed);
              };
          List<Observation> history = new ArrayList<>();
          StringBuilder trace = new StringBuilder();
          double best = Double.POSITIVE_INFINITY;
          long start = System.nanoTime();
          for (int n = 0; n < trials; n++) {
            Map<String, Double> params = sampler.suggest(n, problem.space(), history, false);
            double value = problem.f().applyAsDouble(params);
            best = Math.min(best, value);
            history.add(Observation.complete(n, params, value));
            trace.append(n == 0 ? "[" : ",[");
            // Double.toString round-trips: the table compares these with Optuna's bit for bit.
            trace.append(
                String.join(",", params.values().stream().map(String::valueOf).toList()));
            trace.append(']');
          }
          double seconds = (System.nanoTime() - start) / 1e9;
          System.out.printf(
              Locale.ROOT,
              "{\"function\":\"%s\",\"sampler\":\"%s\",\"seed\":%d,\"regret\":%.17g,\"seconds\":%.4f,"
                  + "\"params\":[%s]}%n",
              problem.name(),
              kind,
              seed,
              best - problem.min(),
              seconds,
              trace);
        }
      }
    }
  }
}
