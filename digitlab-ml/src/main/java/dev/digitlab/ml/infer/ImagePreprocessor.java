package dev.digitlab.ml.infer;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;

/**
 * Turns a drawing, a photo or raw pixels into MNIST form, the way MNIST itself was made: grayscale,
 * light ink on a dark background (inverted when the digit is dark on light), cropped to the ink,
 * scaled into a 20×20 box keeping its aspect ratio, and placed in a 28×28 field so that its centre
 * of mass is the field's centre.
 *
 * <p>Deterministic: plain integer and double arithmetic with a fixed order, no random augmentation,
 * so the same image always gives the same pixels and the same prediction.
 */
public final class ImagePreprocessor {

  /** Side of the box the ink is scaled into, as in MNIST. */
  static final int BOX = 20;

  /** After background removal, a pixel at or below this level (of 255) is not ink. */
  private static final int INK_THRESHOLD = 0;

  private ImagePreprocessor() {}

  /**
   * The MNIST form of a decoded image: {@link Classifier#PIXELS} unsigned bytes, row by row.
   *
   * @throws EmptyImageException when the image has no ink
   */
  public static byte[] fromImage(BufferedImage image) {
    return toMnist(grayscale(image), image.getWidth(), image.getHeight());
  }

  /**
   * The MNIST form of an encoded image (PNG, JPEG or GIF), decoded by {@code decoder}: a simple PNG
   * (8-bit gray or RGB, as MNIST files and canvases give) without {@code javax.imageio}, to the
   * very same pixels, anything else with it.
   *
   * @throws ImageRejectedException when the decoder refuses the bytes
   * @throws EmptyImageException when the image has no ink
   */
  public static byte[] fromEncoded(byte[] bytes, ImageDecoder decoder) {
    SimplePng.Pixels simple = decoder.decodeSimple(bytes);
    if (simple != null) {
      return toMnist(flatten(simple.luminance(), simple.alpha()), simple.width(), simple.height());
    }
    return fromImage(decoder.decode(bytes));
  }

  /**
   * The MNIST form of a 28×28 grayscale image given as values 0–255 (0 = black), row by row. An
   * image already in MNIST form comes back nearly unchanged.
   *
   * @throws IllegalArgumentException when there are not 784 values or one is outside 0–255
   * @throws EmptyImageException when the image has no ink
   */
  public static byte[] fromPixels(int[] pixels) {
    if (pixels.length != Classifier.PIXELS) {
      throw new IllegalArgumentException(
          "expected " + Classifier.PIXELS + " pixel values (28×28), got " + pixels.length);
    }
    int[] gray = new int[pixels.length];
    for (int i = 0; i < pixels.length; i++) {
      if (pixels[i] < 0 || pixels[i] > 255) {
        throw new IllegalArgumentException(
            "pixel " + i + " is " + pixels[i] + "; values must be 0–255");
      }
      gray[i] = pixels[i];
    }
    return toMnist(gray, Classifier.SIDE, Classifier.SIDE);
  }

  /** Luminance 0–255 of every pixel; transparency is flattened onto the ink's opposite. */
  private static int[] grayscale(BufferedImage image) {
    int width = image.getWidth();
    int height = image.getHeight();
    int[] lum = new int[width * height];
    int[] alpha = new int[width * height];
    ColorModel model = image.getColorModel();
    Raster raster = image.getRaster();
    if (model.getColorSpace().getType() == ColorSpace.TYPE_GRAY
        && raster.getNumBands() == (model.hasAlpha() ? 2 : 1)) {
      // A grayscale file's values are its gray levels. getRGB would convert them from Java's
      // linear gray colour space to sRGB, brightening mid-grays, and no longer match MNIST.
      int grayMax = (1 << model.getComponentSize(0)) - 1;
      int alphaMax = model.hasAlpha() ? (1 << model.getComponentSize(1)) - 1 : 1;
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          int i = y * width + x;
          lum[i] = (int) ((raster.getSample(x, y, 0) * 255L + grayMax / 2) / grayMax);
          alpha[i] =
              model.hasAlpha()
                  ? (int) ((raster.getSample(x, y, 1) * 255L + alphaMax / 2) / alphaMax)
                  : 255;
        }
      }
    } else {
      int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
      for (int i = 0; i < argb.length; i++) {
        lum[i] = luminance(argb[i]);
        alpha[i] = argb[i] >>> 24;
      }
    }
    return flatten(lum, alpha);
  }

  /** The luminance with any transparency flattened onto the background (see below). */
  private static int[] flatten(int[] lum, int[] alpha) {
    // A canvas drawing is often ink on a transparent background. Flattening onto white would lose
    // white ink, so the background is the opposite of the mean level of the opaque pixels.
    long opaqueSum = 0;
    long opaqueCount = 0;
    boolean transparent = false;
    for (int i = 0; i < lum.length; i++) {
      transparent |= alpha[i] < 255;
      if (alpha[i] >= 128) {
        opaqueSum += lum[i];
        opaqueCount++;
      }
    }
    if (transparent) {
      int background = opaqueCount > 0 && opaqueSum / opaqueCount >= 128 ? 0 : 255;
      for (int i = 0; i < lum.length; i++) {
        lum[i] = (lum[i] * alpha[i] + background * (255 - alpha[i]) + 127) / 255;
      }
    }
    return lum;
  }

  private static int luminance(int argb) {
    return luminance((argb >> 16) & 0xFF, (argb >> 8) & 0xFF, argb & 0xFF);
  }

  static int luminance(int r, int g, int b) {
    return (299 * r + 587 * g + 114 * b + 500) / 1000;
  }

  private static byte[] toMnist(int[] gray, int width, int height) {
    int[] ink = inkOnBlack(gray, width, height);
    int left = width;
    int right = -1;
    int top = height;
    int bottom = -1;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (ink[y * width + x] > INK_THRESHOLD) {
          left = Math.min(left, x);
          right = Math.max(right, x);
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
    }
    if (right < 0) {
      throw new EmptyImageException(
          "the image has no visible digit: draw or photograph a digit with clear contrast");
    }
    int cropWidth = right - left + 1;
    int cropHeight = bottom - top + 1;
    double scale = (double) BOX / Math.max(cropWidth, cropHeight);
    int boxWidth = Math.max(1, (int) Math.round(cropWidth * scale));
    int boxHeight = Math.max(1, (int) Math.round(cropHeight * scale));
    double[] boxed = resample(ink, width, left, top, cropWidth, cropHeight, boxWidth, boxHeight);
    return centreByMass(boxed, boxWidth, boxHeight);
  }

  /**
   * Light ink on a black background, stretched so the background is 0 and the brightest ink 255.
   * The background is read from the image's border, which in a drawing or a photo of one digit is
   * background: when the border is light, the digit is dark on light and is inverted. Everything up
   * to the border's mean plus three standard deviations counts as background, so a photo's noise is
   * not ink, while a clean image (MNIST, a canvas) keeps every stroke pixel; an image already in
   * MNIST form thus comes back unchanged.
   */
  private static int[] inkOnBlack(int[] gray, int width, int height) {
    long borderSum = 0;
    int borderCount = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (x == 0 || y == 0 || x == width - 1 || y == height - 1) {
          borderSum += gray[y * width + x];
          borderCount++;
        }
      }
    }
    boolean invert = borderSum / borderCount >= 128;
    int[] ink = new int[gray.length];
    int max = 0;
    for (int i = 0; i < gray.length; i++) {
      ink[i] = invert ? 255 - gray[i] : gray[i];
      max = Math.max(max, ink[i]);
    }
    double mean = 0;
    double squares = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        if (x == 0 || y == 0 || x == width - 1 || y == height - 1) {
          int v = ink[y * width + x];
          mean += v;
          squares += (double) v * v;
        }
      }
    }
    mean /= borderCount;
    double std = Math.sqrt(Math.max(0, squares / borderCount - mean * mean));
    int background = (int) Math.min(254, Math.floor(mean + 3 * std));
    int range = max - background;
    for (int i = 0; i < ink.length; i++) {
      ink[i] = range <= 0 ? 0 : Math.clamp((ink[i] - background) * 255L / range, 0, 255);
    }
    return ink;
  }

  /**
   * Area-averaging resample of a crop to {@code outWidth × outHeight}: each output pixel is the
   * mean of the source area it covers, weighted by the covered fraction of each source pixel.
   */
  private static double[] resample(
      int[] source,
      int stride,
      int left,
      int top,
      int width,
      int height,
      int outWidth,
      int outHeight) {
    double sx = (double) width / outWidth;
    double sy = (double) height / outHeight;
    double[] out = new double[outWidth * outHeight];
    for (int oy = 0; oy < outHeight; oy++) {
      double y0 = oy * sy;
      double y1 = y0 + sy;
      for (int ox = 0; ox < outWidth; ox++) {
        double x0 = ox * sx;
        double x1 = x0 + sx;
        double sum = 0;
        double area = 0;
        for (int y = (int) y0; y < Math.min(height, (int) Math.ceil(y1)); y++) {
          double wy = Math.min(y1, y + 1) - Math.max(y0, y);
          for (int x = (int) x0; x < Math.min(width, (int) Math.ceil(x1)); x++) {
            double w = wy * (Math.min(x1, x + 1) - Math.max(x0, x));
            sum += w * source[(top + y) * stride + left + x];
            area += w;
          }
        }
        out[oy * outWidth + ox] = area == 0 ? 0 : sum / area;
      }
    }
    return out;
  }

  /** The box placed in 28×28 with its centre of mass moved to the field's centre (14, 14). */
  private static byte[] centreByMass(double[] box, int width, int height) {
    double mass = 0;
    double mx = 0;
    double my = 0;
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        double v = box[y * width + x];
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    // As MNIST's own script: shift = round(field centre − centre of mass), in pixel indices.
    int half = Classifier.SIDE / 2;
    int dx = (int) Math.round(half - mx / mass);
    int dy = (int) Math.round(half - my / mass);
    byte[] out = new byte[Classifier.PIXELS];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        int tx = x + dx;
        int ty = y + dy;
        if (tx >= 0 && ty >= 0 && tx < Classifier.SIDE && ty < Classifier.SIDE) {
          out[ty * Classifier.SIDE + tx] =
              (byte) Math.clamp(Math.round(box[y * width + x]), 0, 255);
        }
      }
    }
    return out;
  }
}
