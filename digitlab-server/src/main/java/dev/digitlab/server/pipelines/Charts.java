package dev.digitlab.server.pipelines;

import dev.digitlab.ml.data.ImageSet;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/** The PNG images pipeline steps write: bar charts, line charts and grids of digits. */
final class Charts {

  private static final int WIDTH = 640;
  private static final int HEIGHT = 360;
  private static final int MARGIN = 48;
  private static final Color BAR = new Color(0x3b82f6);

  private Charts() {}

  /** Vertical bars, one per label, scaled to the largest value. */
  static void bars(Path file, String title, List<String> labels, double[] values)
      throws IOException {
    BufferedImage image = canvas();
    Graphics2D g = graphics(image, title);
    double max = 0;
    for (double v : values) {
      max = Math.max(max, v);
    }
    int plotWidth = WIDTH - 2 * MARGIN;
    int plotHeight = HEIGHT - 2 * MARGIN;
    double slot = plotWidth / (double) values.length;
    for (int i = 0; i < values.length; i++) {
      int h = max == 0 ? 0 : (int) Math.round(values[i] / max * plotHeight);
      int x = (int) Math.round(MARGIN + i * slot + slot * 0.1);
      g.setColor(BAR);
      g.fillRect(x, HEIGHT - MARGIN - h, Math.max(1, (int) (slot * 0.8)), h);
      if (values.length <= 32) {
        g.setColor(Color.DARK_GRAY);
        g.drawString(labels.get(i), x, HEIGHT - MARGIN + 14);
      }
    }
    axes(g, String.format(Locale.ROOT, "max %.4g", max));
    write(image, g, file);
  }

  /** A line through (x label, value) points in the given order; NaN values are left out. */
  static void line(Path file, String title, List<String> labels, double[] values)
      throws IOException {
    BufferedImage image = canvas();
    Graphics2D g = graphics(image, title);
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
    }
    if (min == Double.POSITIVE_INFINITY) {
      min = 0;
      max = 1;
    }
    if (max - min < 1e-9) {
      min -= 0.5;
      max += 0.5;
    }
    int plotWidth = WIDTH - 2 * MARGIN;
    int plotHeight = HEIGHT - 2 * MARGIN;
    int n = values.length;
    int previousX = -1;
    int previousY = -1;
    g.setStroke(new BasicStroke(2f));
    for (int i = 0; i < n; i++) {
      int x = MARGIN + (n == 1 ? plotWidth / 2 : i * plotWidth / (n - 1));
      g.setColor(Color.DARK_GRAY);
      g.drawString(labels.get(i), x - 10, HEIGHT - MARGIN + 14);
      if (Double.isNaN(values[i])) {
        g.setColor(Color.RED);
        g.drawString("failed", x - 14, HEIGHT - MARGIN - 6);
        previousX = -1;
        continue;
      }
      int y = HEIGHT - MARGIN - (int) Math.round((values[i] - min) / (max - min) * plotHeight);
      g.setColor(BAR);
      if (previousX >= 0) {
        g.drawLine(previousX, previousY, x, y);
      }
      g.fillOval(x - 4, y - 4, 8, 8);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.4f", values[i]), x + 6, y - 6);
      previousX = x;
      previousY = y;
    }
    axes(g, String.format(Locale.ROOT, "%.4g – %.4g", min, max));
    write(image, g, file);
  }

  /** Rows of images, one row per class, {@code indices[class]} naming the images of that row. */
  static void grid(Path file, ImageSet set, int[][] indices) throws IOException {
    int scale = 2;
    int cell = set.rows() * scale + 2;
    int columns = 0;
    for (int[] row : indices) {
      columns = Math.max(columns, row.length);
    }
    BufferedImage image =
        new BufferedImage(
            20 + Math.max(1, columns) * cell,
            Math.max(1, indices.length) * cell,
            BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    byte[] pixels = set.pixels();
    int size = set.imageSize();
    for (int c = 0; c < indices.length; c++) {
      g.setColor(Color.DARK_GRAY);
      g.drawString(Integer.toString(c), 4, c * cell + cell / 2 + 5);
      for (int j = 0; j < indices[c].length; j++) {
        int offset = indices[c][j] * size;
        for (int y = 0; y < set.rows(); y++) {
          for (int x = 0; x < set.cols(); x++) {
            int v = 255 - (pixels[offset + y * set.cols() + x] & 0xFF);
            g.setColor(new Color(v, v, v));
            g.fillRect(20 + j * cell + x * scale, c * cell + y * scale, scale, scale);
          }
        }
      }
    }
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }

  private static BufferedImage canvas() {
    return new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
  }

  private static Graphics2D graphics(BufferedImage image, String title) {
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    g.setColor(Color.BLACK);
    g.drawString(title, MARGIN, 24);
    return g;
  }

  private static void axes(Graphics2D g, String range) {
    g.setColor(Color.GRAY);
    g.setStroke(new BasicStroke(1f));
    g.drawLine(MARGIN, HEIGHT - MARGIN, WIDTH - MARGIN, HEIGHT - MARGIN);
    g.drawLine(MARGIN, MARGIN, MARGIN, HEIGHT - MARGIN);
    g.drawString(range, WIDTH - MARGIN - 140, 24);
  }

  private static void write(BufferedImage image, Graphics2D g, Path file) throws IOException {
    g.dispose();
    ImageIO.write(image, "png", file.toFile());
  }
}
