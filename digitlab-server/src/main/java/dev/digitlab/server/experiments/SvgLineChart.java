package dev.digitlab.server.experiments;

import static dev.digitlab.server.web.StaticHtml.esc;

import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * Overlaid line charts as inline SVG, drawn on the server: a static report shows its curves with no
 * charting library to load, and a browser's tooltip ({@code <title>}) names each line.
 */
final class SvgLineChart {

  /** Ten colours that stay apart from each other (Tableau 10); series beyond ten reuse them. */
  static final List<String> COLOURS =
      List.of(
          "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
          "#9c755f", "#bab0ac");

  private static final int WIDTH = 560;
  private static final int HEIGHT = 300;
  private static final int LEFT = 64;
  private static final int RIGHT = 16;
  private static final int TOP = 12;
  private static final int BOTTOM = 40;

  /** One line: x and y of its points in x order; a null y leaves a gap. */
  record Series(String label, String colour, double[] xs, Double[] ys) {}

  private SvgLineChart() {}

  /** The chart as an {@code <svg>} element with the given id; an empty series list draws axes. */
  static String render(String id, String xLabel, String yLabel, List<Series> series) {
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
    Scale x = new Scale(minX, maxX, LEFT, WIDTH - RIGHT);
    Scale y = new Scale(minY, maxY, HEIGHT - BOTTOM, TOP);
    StringBuilder svg = new StringBuilder(8 * 1024);
    svg.append("<svg id=\"")
        .append(esc(id))
        .append("\" class=\"line-chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ")
        .append(WIDTH)
        .append(' ')
        .append(HEIGHT)
        .append("\" width=\"")
        .append(WIDTH)
        .append("\" height=\"")
        .append(HEIGHT)
        .append("\" font-size=\"11\" font-family=\"sans-serif\" role=\"img\" aria-label=\"")
        .append(esc(yLabel))
        .append(" by ")
        .append(esc(xLabel))
        .append("\">");
    for (int i = 0; i <= 4; i++) {
      double value = minY + (maxY - minY) * i / 4;
      double py = y.at(value);
      svg.append("<line x1=\"")
          .append(LEFT)
          .append("\" x2=\"")
          .append(WIDTH - RIGHT)
          .append("\" y1=\"")
          .append(f(py))
          .append("\" y2=\"")
          .append(f(py))
          .append("\" stroke=\"#e5e7eb\"/><text x=\"")
          .append(LEFT - 4)
          .append("\" y=\"")
          .append(f(py + 4))
          .append("\" text-anchor=\"end\">")
          .append(tick(value))
          .append("</text>");
      double xValue = minX + (maxX - minX) * i / 4;
      svg.append("<text x=\"")
          .append(f(x.at(xValue)))
          .append("\" y=\"")
          .append(HEIGHT - BOTTOM + 14)
          .append("\" text-anchor=\"middle\">")
          .append(tick(xValue))
          .append("</text>");
    }
    svg.append("<text x=\"")
        .append((LEFT + WIDTH - RIGHT) / 2)
        .append("\" y=\"")
        .append(HEIGHT - 6)
        .append("\" text-anchor=\"middle\">")
        .append(esc(xLabel))
        .append("</text><line x1=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(TOP)
        .append("\" x2=\"")
        .append(LEFT)
        .append("\" y2=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" stroke=\"#6b7280\"/><line x1=\"")
        .append(LEFT)
        .append("\" y1=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" x2=\"")
        .append(WIDTH - RIGHT)
        .append("\" y2=\"")
        .append(HEIGHT - BOTTOM)
        .append("\" stroke=\"#6b7280\"/>");
    for (Series s : series) {
      svg.append("<g class=\"series\" stroke=\"")
          .append(s.colour())
          .append("\" fill=\"")
          .append(s.colour())
          .append("\"><title>")
          .append(esc(s.label()))
          .append("</title>");
      StringBuilder points = new StringBuilder();
      int run = 0;
      for (int i = 0; i <= s.xs().length; i++) {
        boolean gap = i == s.xs().length || s.ys()[i] == null;
        if (gap) {
          line(svg, points, run);
          points.setLength(0);
          run = 0;
          continue;
        }
        points.append(f(x.at(s.xs()[i]))).append(',').append(f(y.at(s.ys()[i]))).append(' ');
        run++;
      }
      svg.append("</g>");
    }
    svg.append("</svg>");
    return svg.toString();
  }

  /** A polyline through the points, or a dot where a run has one point (a one-epoch trial). */
  private static void line(StringBuilder svg, StringBuilder points, int count) {
    if (count == 1) {
      String[] xy = points.toString().trim().split(",");
      svg.append("<circle cx=\"")
          .append(xy[0])
          .append("\" cy=\"")
          .append(xy[1])
          .append("\" r=\"3\"/>");
    } else if (count > 1) {
      svg.append("<polyline fill=\"none\" stroke-width=\"1.5\" points=\"")
          .append(points.toString().trim())
          .append("\"/>");
    }
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
