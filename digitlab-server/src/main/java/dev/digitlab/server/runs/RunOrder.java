package dev.digitlab.server.runs;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * MLflow's {@code order_by}: entries such as {@code metrics.rmse ASC} or {@code
 * attributes.start_time DESC}, applied in turn; then newest first and by id, MLflow's default. Runs
 * without the value sort last either way, as in MLflow's SQL store.
 */
public final class RunOrder {

  private RunOrder() {}

  /** The comparator for {@code orderBy} (possibly empty). */
  public static Comparator<Run> parse(List<String> orderBy) {
    List<Comparator<Run>> keys = new ArrayList<>();
    for (String entry : orderBy) {
      keys.add(entry(entry));
    }
    Comparator<Run> order =
        nullsLast(run -> run.startTime() == null ? null : (double) run.startTime(), false);
    Comparator<Run> byId = Comparator.comparingLong(Run::id);
    order = order.thenComparing(byId);
    Comparator<Run> result = null;
    for (Comparator<Run> key : keys) {
      result = result == null ? key : result.thenComparing(key);
    }
    return result == null ? order : result.thenComparing(order);
  }

  private static Comparator<Run> entry(String entry) {
    String text = entry.strip();
    boolean ascending = true;
    String upper = text.toUpperCase(Locale.ROOT);
    if (upper.endsWith(" DESC")) {
      ascending = false;
      text = text.substring(0, text.length() - 5).strip();
    } else if (upper.endsWith(" ASC")) {
      text = text.substring(0, text.length() - 4).strip();
    }
    // The identifier half of a filter clause: parsing "<identifier> = 0" reuses its rules.
    RunFilter.Clause clause;
    try {
      clause = RunFilter.parse(text + " != '0'").clauses().getFirst();
    } catch (InvalidFilterException e) {
      try {
        clause = RunFilter.parse(text + " != 0").clauses().getFirst();
      } catch (InvalidFilterException again) {
        throw new InvalidFilterException(
            "Invalid order_by clause '"
                + entry
                + "': write e.g. 'metrics.rmse ASC' or 'attributes.start_time DESC'");
      }
    }
    String key = clause.key();
    return switch (clause.entity()) {
      case METRIC ->
          nullsLast(
              run -> {
                Run.LatestMetric metric = run.metrics().get(key);
                return metric == null ? null : metric.value();
              },
              ascending);
      case PARAM -> stringsLast(run -> run.params().get(key), ascending);
      case TAG -> stringsLast(run -> run.tags().get(key), ascending);
      case ATTRIBUTE ->
          switch (key) {
            case "start_time" ->
                nullsLast(
                    run -> run.startTime() == null ? null : (double) run.startTime(), ascending);
            case "end_time" ->
                nullsLast(run -> run.endTime() == null ? null : (double) run.endTime(), ascending);
            default -> stringsLast(run -> RunFilter.attribute(run, key), ascending);
          };
      // RunFilter.parse refuses datasets: MLflow's server orders by no dataset either
      case DATASET -> throw new IllegalStateException("No order by datasets");
    };
  }

  private interface Value<T> {
    T of(Run run);
  }

  /**
   * Numbers in the asked direction, then NaN, then runs without the value, either way, as MLflow's
   * SQL store orders metrics (a CASE on is_nan and NULL before the value): a run whose loss went
   * NaN is never the best of {@code metrics.accuracy DESC}.
   */
  private static Comparator<Run> nullsLast(Value<Double> value, boolean ascending) {
    return (a, b) -> {
      Double x = value.of(a);
      Double y = value.of(b);
      int rank = Integer.compare(rank(x), rank(y));
      if (rank != 0 || x == null || x.isNaN()) {
        return rank;
      }
      return ascending ? Double.compare(x, y) : Double.compare(y, x);
    };
  }

  private static int rank(Double value) {
    return value == null ? 2 : value.isNaN() ? 1 : 0;
  }

  private static Comparator<Run> stringsLast(Value<String> value, boolean ascending) {
    return (a, b) -> {
      String x = value.of(a);
      String y = value.of(b);
      if (x == null || y == null) {
        return x == null ? (y == null ? 0 : 1) : -1;
      }
      return ascending ? x.compareTo(y) : y.compareTo(x);
    };
  }
}
