package dev.digitlab.server.experiments;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An overlaid line chart laid out on the server, which the report template draws as inline SVG: a
 * static report shows its curves with no charting library to load, and a browser's tooltip ({@code
 * <title>}) names each line. Coordinates are already formatted, so the template only places them.
 *
 * @param id the {@code <svg>} element's id
 * @param frame the size and the frame of the axes
 * @param label what the chart shows, for screen readers
 * @param xLabel the x axis' title
 * @param grid four horizontal grid lines with their y tick labels, bottom to top
 * @param xTicks five x tick labels
 * @param lines one group per series
 */
record LineChart(
    String id,
    PlotFrame frame,
    String label,
    String xLabel,
    List<GridLine> grid,
    List<Tick> xTicks,
    List<Line> lines) {

  /** Ten colours that stay apart from each other (Tableau 10); series beyond ten reuse them. */
  static final List<String> COLOURS =
      List.of(
          "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
          "#9c755f", "#bab0ac");

  static final PlotFrame FRAME = PlotFrame.of(560, 300, 64, 16, 12, 40);

  /** One line's data: x and y of its points in x order; a null y leaves a gap. */
  record Series(String label, String colour, double[] xs, Double[] ys) {}

  /** A horizontal grid line at {@code y} and its value's label. */
  record GridLine(String y, String labelY, String label) {}

  /** An x tick label centred at {@code x}. */
  record Tick(String x, String label) {}

  /**
   * A series as drawn: a polyline per unbroken run of points, a dot for a run of one point (a
   * one-epoch trial).
   */
  record Line(String label, String colour, List<String> polylines, List<Dot> dots) {}

  /** A single point. */
  record Dot(String x, String y) {}

  /** The chart's layout; an empty series list draws axes only. */
  static LineChart of(String id, String xLabel, String yLabel, List<Series> series) {
    double minX = Double.POSITIVE_INFINITY;
    double maxX = Double.NEGATIVE_INFINITY;
    double minY = Double.POSITIVE_INFINITY;
    double maxY = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (int i = 0; i < s.xs().length; i++) {
        if (s.ys()[i] != null) {
          minX = Math.min(minX, s.xs()[i]);
          maxX = Math.max(maxX, s.xs()[i]);
          minY = Math.min(minY, s.ys()[i]);
          maxY = Math.max(maxY, s.ys()[i]);
        }
      }
    }
    if (minX == Double.POSITIVE_INFINITY) {
      minX = 0;
      maxX = 1;
      minY = 0;
      maxY = 1;
    }
    // A single x or y value still gets a range, so that its point lands in the middle.
    if (maxX - minX < 1e-12) {
      minX -= 1;
      maxX += 1;
    }
    if (maxY - minY < 1e-12) {
      double pad = Math.max(Math.abs(maxY) * 0.05, 1e-3);
      minY -= pad;
      maxY += pad;
    }
    Scale x = new Scale(minX, maxX, FRAME.left(), FRAME.right());
    Scale y = new Scale(minY, maxY, FRAME.bottom(), FRAME.top());
    List<GridLine> grid = new ArrayList<>();
    List<Tick> ticks = new ArrayList<>();
    for (int i = 0; i <= 4; i++) {
      double value = minY + (maxY - minY) * i / 4;
      double py = y.at(value);
      grid.add(new GridLine(f(py), f(py + 4), tick(value)));
      double xValue = minX + (maxX - minX) * i / 4;
      ticks.add(new Tick(f(x.at(xValue)), tick(xValue)));
    }
    List<Line> lines = new ArrayList<>();
    for (Series s : series) {
      List<String> polylines = new ArrayList<>();
      List<Dot> dots = new ArrayList<>();
      List<String> run = new ArrayList<>();
      for (int i = 0; i <= s.xs().length; i++) {
        if (i == s.xs().length || s.ys()[i] == null) {
          if (run.size() == 1) {
            String[] xy = run.get(0).split(",");
            dots.add(new Dot(xy[0], xy[1]));
          } else if (run.size() > 1) {
            polylines.add(String.join(" ", run));
          }
          run.clear();
          continue;
        }
        run.add(f(x.at(s.xs()[i])) + "," + f(y.at(s.ys()[i])));
      }
      lines.add(new Line(s.label(), s.colour(), polylines, dots));
    }
    return new LineChart(id, FRAME, yLabel + " by " + xLabel, xLabel, grid, ticks, lines);
  }

  /** Four significant digits without trailing zeros: {@code 2}, {@code 1.5}, {@code 0.1742}. */
  private static String tick(double value) {
    String text = String.format(Locale.ROOT, "%.4g", value);
    return text.contains("e") ? text : new BigDecimal(text).stripTrailingZeros().toPlainString();
  }

  private static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** Maps values in [min, max] linearly onto pixels [from, to]. */
  private record Scale(double min, double max, double from, double to) {
    double at(double value) {
      return from + (value - min) / (max - min) * (to - from);
    }
  }
}
