package dev.digitlab.server.experiments;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report's parallel-coordinates plot, laid out on the server for inline SVG like {@link
 * LineChart}: one vertical axis per searched parameter (logarithmic for a log-scaled range, one
 * tick per value for a list) and a last one for the objective; one line per finished trial,
 * coloured by its objective (red the worst, blue the best), pruned trials dashed and grey up to
 * their last parameter.
 *
 * @param axes the axes, left to right
 * @param lines one per trial, pruned ones first so that finished ones are drawn over them
 */
record ParallelChart(String id, String label, List<Axis> axes, List<Path> lines) {

  static final int WIDTH = 720;
  static final int HEIGHT = 320;
  static final int TOP = 30;
  static final int BOTTOM = 30;
  static final int SIDE = 60;

  /** A vertical axis at {@code x}: its name and its ticks (value labels at heights). */
  record Axis(String x, String name, String scale, List<Tick> ticks) {}

  /** A tick label at height {@code y}. */
  record Tick(String y, String label) {}

  /** A trial's line through the axes. */
  record Path(String label, String points, String colour, boolean pruned) {}

  /** A trial as the plot needs it: its parameter values and its objective (null if none). */
  record Point(String label, Map<String, Object> values, Double objective, boolean pruned) {}

  public int width() {
    return WIDTH;
  }

  public int height() {
    return HEIGHT;
  }

  public int top() {
    return TOP;
  }

  public int bottom() {
    return HEIGHT - BOTTOM;
  }

  static ParallelChart of(
      List<String> searched,
      List<String> logScaled,
      List<String> listed,
      String objectiveName,
      boolean maximize,
      List<Point> points) {
    int n = searched.size() + 1;
    double step = (WIDTH - 2.0 * SIDE) / Math.max(1, n - 1);
    List<AxisScale> scales = new ArrayList<>();
    for (String name : searched) {
      scales.add(
          AxisScale.of(
              name,
              points.stream().map(p -> p.values().get(name)).toList(),
              logScaled.contains(name),
              listed.contains(name)));
    }
    List<Object> objectives = new ArrayList<>();
    points.forEach(p -> objectives.add(p.objective()));
    AxisScale objectiveScale = AxisScale.of(objectiveName, objectives, false, false);
    scales.add(objectiveScale);
    List<Axis> axes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      axes.add(scales.get(i).axis(f(SIDE + i * step)));
    }
    double worst = objectiveScale.min;
    double best = objectiveScale.max;
    List<Path> pruned = new ArrayList<>();
    List<Path> finished = new ArrayList<>();
    for (Point p : points) {
      List<String> xy = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Object v = i < searched.size() ? p.values().get(searched.get(i)) : p.objective();
        Double y = scales.get(i).y(v);
        if (y == null) {
          break;
        }
        xy.add(f(SIDE + i * step) + "," + f(y));
      }
      if (xy.size() < 2) {
        continue;
      }
      if (p.pruned() || p.objective() == null) {
        pruned.add(new Path(p.label() + " (pruned)", String.join(" ", xy), "#9ca3af", true));
      } else {
        double t = best > worst ? (p.objective() - worst) / (best - worst) : 1;
        finished.add(
            new Path(p.label(), String.join(" ", xy), colour(maximize ? t : 1 - t), false));
      }
    }
    List<Path> lines = new ArrayList<>(pruned);
    lines.addAll(finished);
    return new ParallelChart(
        "parallel",
        "Parallel coordinates of the searched parameters and " + objectiveName,
        axes,
        lines);
  }

  /** Red (0, the worst) through yellow to blue (1, the best), as the experiment page's palette. */
  static String colour(double t) {
    int[][] stops = {{0xd9, 0x4e, 0x5d}, {0xea, 0xc7, 0x36}, {0x50, 0xa3, 0xba}};
    double s = Math.max(0, Math.min(1, t)) * 2;
    int i = Math.min(1, (int) s);
    double u = s - i;
    int[] rgb = new int[3];
    for (int c = 0; c < 3; c++) {
      rgb[c] = (int) Math.round(stops[i][c] + u * (stops[i + 1][c] - stops[i][c]));
    }
    return String.format(Locale.ROOT, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
  }

  static String f(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** One axis' mapping from values to heights: linear, logarithmic or by category. */
  static final class AxisScale {
    final String name;
    final boolean log;
    final Map<String, Integer> categories;
    final double min;
    final double max;
    final double from;
    final double to;

    private AxisScale(
        String name,
        boolean log,
        Map<String, Integer> categories,
        double min,
        double max,
        double from,
        double to) {
      this.name = name;
      this.log = log;
      this.categories = categories;
      this.min = min;
      this.max = max;
      this.from = from;
      this.to = to;
    }

    /** A vertical scale from the bottom of the plot ({@code from}) to its top. */
    static AxisScale of(String name, List<Object> values, boolean logScaled, boolean listed) {
      return of(name, values, logScaled, listed, HEIGHT - BOTTOM, TOP);
    }

    /**
     * @param listed the search file lists the parameter's values: one tick per value (numbers in
     *     their order), as for values that are not numbers
     */
    static AxisScale of(
        String name,
        List<Object> values,
        boolean logScaled,
        boolean listed,
        double from,
        double to) {
      List<Object> present = values.stream().filter(v -> v != null).toList();
      boolean numeric = present.stream().allMatch(v -> v instanceof Number);
      if (!numeric || listed) {
        Map<String, Integer> categories = new LinkedHashMap<>();
        List<Object> ordered = new java.util.ArrayList<>(present);
        if (numeric) {
          ordered.sort(java.util.Comparator.comparingDouble(v -> ((Number) v).doubleValue()));
        }
        ordered.forEach(v -> categories.putIfAbsent(String.valueOf(v), categories.size()));
        return new AxisScale(
            name, false, categories, 0, Math.max(1, categories.size() - 1), from, to);
      }
      boolean log = logScaled && present.stream().allMatch(v -> ((Number) v).doubleValue() > 0);
      double min = Double.POSITIVE_INFINITY;
      double max = Double.NEGATIVE_INFINITY;
      for (Object v : present) {
        double d = log ? Math.log10(((Number) v).doubleValue()) : ((Number) v).doubleValue();
        min = Math.min(min, d);
        max = Math.max(max, d);
      }
      if (present.isEmpty()) {
        min = 0;
        max = 1;
      }
      if (max - min < 1e-12) {
        min -= 0.5;
        max += 0.5;
      }
      return new AxisScale(name, log, null, min, max, from, to);
    }

    /** The position of {@code value}, null when it has none on this axis. */
    Double y(Object value) {
      if (value == null) {
        return null;
      }
      double t;
      if (categories != null) {
        Integer i = categories.get(String.valueOf(value));
        if (i == null) {
          return null;
        }
        t = categories.size() == 1 ? 0.5 : (double) i / (categories.size() - 1);
      } else if (value instanceof Number number) {
        double d = log ? Math.log10(number.doubleValue()) : number.doubleValue();
        t = (d - min) / (max - min);
      } else {
        return null;
      }
      return from + t * (to - from);
    }

    Axis axis(String x) {
      List<Tick> ticks = new ArrayList<>();
      if (categories != null) {
        categories.forEach((label, i) -> ticks.add(new Tick(f(y(label)), label)));
      } else {
        for (int i = 0; i <= 4; i++) {
          double d = min + (max - min) * i / 4;
          double value = log ? Math.pow(10, d) : d;
          ticks.add(new Tick(f(from + (double) i / 4 * (to - from)), label(value)));
        }
      }
      return new Axis(x, name, categories != null ? "list" : log ? "log" : "linear", ticks);
    }

    static String label(double value) {
      return String.format(Locale.ROOT, "%.3g", value);
    }
  }
}
