package dev.digitlab.server.runs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * One metric column of the runs table, written so that its numbers line up: every cell with the
 * same number of decimals, enough for four significant digits of the column's smallest value (four
 * significant digits per cell put {@code 0.009010} beside {@code 0.1157}, decimal points apart).
 * Values too far apart for that (beyond 8 decimals, or from 10^15) are all written in scientific
 * notation, which lines up too. Each cell's tooltip has the full value.
 */
final class MetricColumn {

  /** A cell: its text, and the full value for its tooltip (both empty for a run without one). */
  record Cell(String text, String title) {
    static final Cell EMPTY = new Cell("", "");
  }

  private static final int MAX_DECIMALS = 8;
  private static final double LARGE = 1e15;

  private MetricColumn() {}

  /** The cells of a column with these values, null for a run that did not log the metric. */
  static List<Cell> cells(List<Double> values) {
    List<Double> finite =
        values.stream().filter(Objects::nonNull).filter(Double::isFinite).toList();
    boolean fractions = finite.stream().anyMatch(v -> v != Math.rint(v));
    double smallest = finite.stream().mapToDouble(Math::abs).filter(v -> v > 0).min().orElse(1);
    double largest = finite.stream().mapToDouble(Math::abs).max().orElse(0);
    int decimals = fractions ? Math.max(0, 3 - (int) Math.floor(Math.log10(smallest))) : 0;
    boolean scientific = decimals > MAX_DECIMALS || largest >= LARGE;
    List<Cell> cells = new ArrayList<>(values.size());
    for (Double value : values) {
      if (value == null) {
        cells.add(Cell.EMPTY);
      } else if (!Double.isFinite(value)) {
        // NaN and Infinity as MLflow logs them: a diverged run says so
        cells.add(new Cell(value.toString(), value.toString()));
      } else {
        String text =
            scientific
                ? String.format(Locale.ROOT, "%.3e", value)
                : String.format(Locale.ROOT, "%." + decimals + "f", value);
        cells.add(new Cell(text, full(value)));
      }
    }
    return cells;
  }

  /** The value as logged, shortest form: {@code 0.1157}, {@code 12} rather than {@code 12.0}. */
  private static String full(double value) {
    return value == Math.rint(value) && Math.abs(value) < LARGE
        ? Long.toString((long) value)
        : Double.toString(value);
  }
}
