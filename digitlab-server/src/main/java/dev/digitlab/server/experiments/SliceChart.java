package dev.digitlab.server.experiments;

import dev.digitlab.server.experiments.ParallelChart.AxisScale;
import dev.digitlab.server.experiments.ParallelChart.Tick;
import java.util.ArrayList;
import java.util.List;

/**
 * The report's slice plot of one searched parameter, laid out on the server for inline SVG: the
 * objective (y) of each finished trial against the parameter's value (x; logarithmic for a
 * log-scaled range, one column per value for a list), darker for later trials.
 *
 * @param frame the size and the frame of the axes, as a {@link LineChart}'s
 * @param xTicks labels along the x axis at {@code x}; {@code yTicks} along the y axis at {@code y}
 */
record SliceChart(
    String id,
    PlotFrame frame,
    String parameter,
    String scale,
    List<Tick> xTicks,
    List<Tick> yTicks,
    List<Dot> dots) {

  static final PlotFrame FRAME = PlotFrame.of(340, 220, 56, 14, 10, 40);

  /** One trial's dot, its shade by trial order. */
  record Dot(String x, String y, String colour, String label) {}

  static SliceChart of(
      String parameter, boolean logScaled, boolean listed, List<ParallelChart.Point> finished) {
    List<Object> xs = new ArrayList<>();
    List<Object> ys = new ArrayList<>();
    for (ParallelChart.Point p : finished) {
      xs.add(p.values().get(parameter));
      ys.add(p.objective());
    }
    AxisScale x = AxisScale.of(parameter, xs, logScaled, listed, FRAME.left(), FRAME.right());
    AxisScale y = AxisScale.of("objective", ys, false, false, FRAME.bottom(), FRAME.top());
    List<Dot> dots = new ArrayList<>();
    for (int i = 0; i < finished.size(); i++) {
      Double px = x.y(xs.get(i));
      Double py = y.y(ys.get(i));
      if (px == null || py == null) {
        continue;
      }
      // Later trials darker: a search that converges shows its dark dots together.
      double t = finished.size() == 1 ? 1 : (double) i / (finished.size() - 1);
      int shade = (int) Math.round(0xc6 - t * (0xc6 - 0x30));
      String colour =
          String.format(java.util.Locale.ROOT, "#%02x%02x%02x", shade / 3, shade / 2 + 20, shade);
      dots.add(new Dot(ParallelChart.f(px), ParallelChart.f(py), colour, finished.get(i).label()));
    }
    ParallelChart.Axis xAxis = x.axis("0");
    ParallelChart.Axis yAxis = y.axis("0");
    return new SliceChart(
        "slice-" + parameter, FRAME, parameter, xAxis.scale(), xAxis.ticks(), yAxis.ticks(), dots);
  }
}
