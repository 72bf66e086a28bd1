package dev.digitlab.server.experiments;

/**
 * The layout every server-drawn chart with an x and a y axis shares ({@link LineChart}, {@link
 * SliceChart}): the SVG's size and the frame its axes run along, in pixels. The templates read it
 * as {@code c.frame()}; a chart maps its values into {@code [left, right]} and {@code [bottom,
 * top]}.
 *
 * @param width the SVG's width
 * @param height the SVG's height
 * @param left the y axis' x
 * @param right the plot's right edge
 * @param top the plot's top edge
 * @param bottom the x axis' y
 */
record PlotFrame(int width, int height, int left, int right, int top, int bottom) {

  /** A frame inside the margins: room for the y tick labels on the left, the x ones below. */
  static PlotFrame of(
      int width, int height, int leftMargin, int rightMargin, int topMargin, int bottomMargin) {
    return new PlotFrame(
        width, height, leftMargin, width - rightMargin, topMargin, height - bottomMargin);
  }

  /** Where the x title goes: centred under the frame, near the bottom edge. */
  public int xTitleX() {
    return (left + right) / 2;
  }

  public int xTitleY() {
    return height - 6;
  }
}
