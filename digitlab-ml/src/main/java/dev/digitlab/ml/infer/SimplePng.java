package dev.digitlab.ml.infer;

import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A decoder for the PNGs a prediction request usually carries: 8 bits per sample, gray, gray with
 * alpha, RGB or RGBA, not interlaced, no colour-changing chunks (an MNIST digit saved as PNG, a
 * canvas's {@code toDataURL()}). It reads the pixel values straight into the luminance and alpha
 * arrays the preprocessor needs, about ten times cheaper than {@code javax.imageio} with its reader
 * lookup, stream and {@code BufferedImage}.
 *
 * <p>It never refuses anything: whatever it does not fully understand (another format, a bad CRC, a
 * palette, 16-bit samples, interlacing, gamma or ICC chunks, more than {@link #MAX_PIXELS} pixels
 * or more than the caller's limit, a short or long data stream) gives {@code null}, and the caller
 * decodes with {@code javax.imageio}, which gives the same values or the proper rejection.
 */
final class SimplePng {

  /** Larger images go through {@code javax.imageio}: the fast path is for small uploads. */
  static final long MAX_PIXELS = 1 << 20;

  private static final byte[] SIGNATURE = {(byte) 137, 80, 78, 71, 13, 10, 26, 10};

  private static final int IHDR = 0x49484452;
  private static final int IDAT = 0x49444154;
  private static final int IEND = 0x49454E44;

  /** Ancillary chunks that do not change the pixel values {@code javax.imageio} gives. */
  private static final int[] IGNORED = {
    0x74455874, // tEXt
    0x7A545874, // zTXt
    0x69545874, // iTXt
    0x70485973, // pHYs
    0x74494D45, // tIME
    0x73524742, // sRGB
    0x624B4744, // bKGD
  };

  private SimplePng() {}

  /** Luminance and alpha (0–255) of each pixel, row by row. */
  record Pixels(int width, int height, int[] luminance, int[] alpha) {}

  /** The pixels, or null when this decoder does not handle the bytes (see the class comment). */
  static Pixels decode(byte[] png, long maxPixels) {
    try {
      return read(png, maxPixels);
    } catch (DataFormatException | RuntimeException e) {
      return null; // javax.imageio decides, and says what is wrong
    }
  }

  private static Pixels read(byte[] png, long maxPixels) throws DataFormatException {
    if (png.length < SIGNATURE.length + 25) {
      return null;
    }
    for (int i = 0; i < SIGNATURE.length; i++) {
      if (png[i] != SIGNATURE[i]) {
        return null;
      }
    }
    int width = 0;
    int height = 0;
    int channels = 0;
    byte[] raw = null;
    int rawLength = 0;
    Inflater inflater = null;
    CRC32 crc = new CRC32();
    int at = SIGNATURE.length;
    try {
      boolean first = true;
      while (true) {
        if (at + 12 > png.length) {
          return null;
        }
        int length = readInt(png, at);
        int type = readInt(png, at + 4);
        if (length < 0 || length > png.length - at - 12) {
          return null;
        }
        int data = at + 8;
        crc.reset();
        crc.update(png, at + 4, length + 4);
        if ((int) crc.getValue() != readInt(png, data + length)) {
          return null;
        }
        if (first != (type == IHDR)) {
          return null;
        }
        if (type == IHDR) {
          first = false;
          if (length != 13) {
            return null;
          }
          width = readInt(png, data);
          height = readInt(png, data + 4);
          int depth = png[data + 8];
          int colour = png[data + 9];
          channels =
              switch (colour) {
                case 0 -> 1;
                case 4 -> 2;
                case 2 -> 3;
                case 6 -> 4;
                default -> 0;
              };
          // Compression 0, filter method 0 and no interlacing are the only simple case.
          if (depth != 8
              || channels == 0
              || png[data + 10] != 0
              || png[data + 11] != 0
              || png[data + 12] != 0
              || width <= 0
              || height <= 0
              || (long) width * height > Math.min(maxPixels, MAX_PIXELS)) {
            return null;
          }
          raw = new byte[height * (1 + width * channels)];
          inflater = new Inflater();
        } else if (type == IDAT) {
          if (inflater.finished()) {
            return null;
          }
          inflater.setInput(png, data, length);
          rawLength += inflater.inflate(raw, rawLength, raw.length - rawLength);
          // Once every row is in, the rest of the stream must hold no more data (only zlib's
          // checksum, which the inflater checks when it reads it).
          if (rawLength == raw.length
              && !inflater.finished()
              && inflater.inflate(new byte[1]) > 0) {
            return null;
          }
          if (inflater.needsDictionary()) {
            return null;
          }
        } else if (type == IEND) {
          if (rawLength != raw.length || !inflater.finished()) {
            return null;
          }
          break;
        } else if (!ignored(type)) {
          return null;
        }
        at = data + length + 4;
      }
    } finally {
      if (inflater != null) {
        inflater.end();
      }
    }
    if (!unfilter(raw, width, height, channels)) {
      return null;
    }
    return pixels(raw, width, height, channels);
  }

  private static boolean ignored(int type) {
    for (int ignored : IGNORED) {
      if (type == ignored) {
        return true;
      }
    }
    return false;
  }

  /** Undoes the per-row filters in place (PNG specification, section 9). */
  private static boolean unfilter(byte[] raw, int width, int height, int bpp) {
    int stride = width * bpp;
    for (int y = 0; y < height; y++) {
      int row = y * (stride + 1) + 1;
      int previous = row - stride - 1; // the row above's first sample (unused for y == 0)
      int filter = raw[row - 1];
      for (int i = 0; i < stride; i++) {
        int left = i >= bpp ? raw[row + i - bpp] & 0xFF : 0;
        int up = y > 0 ? raw[previous + i] & 0xFF : 0;
        int upLeft = y > 0 && i >= bpp ? raw[previous + i - bpp] & 0xFF : 0;
        int add =
            switch (filter) {
              case 0 -> 0;
              case 1 -> left;
              case 2 -> up;
              case 3 -> (left + up) >>> 1;
              case 4 -> paeth(left, up, upLeft);
              default -> -1;
            };
        if (add < 0) {
          return false;
        }
        raw[row + i] = (byte) (raw[row + i] + add);
      }
    }
    return true;
  }

  private static int paeth(int a, int b, int c) {
    int p = a + b - c;
    int pa = Math.abs(p - a);
    int pb = Math.abs(p - b);
    int pc = Math.abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
  }

  /**
   * Luminance as {@link ImagePreprocessor} computes it from what {@code javax.imageio} gives: a
   * gray sample as it is, an RGB pixel by its weighted sum.
   */
  private static Pixels pixels(byte[] raw, int width, int height, int channels) {
    int[] luminance = new int[width * height];
    int[] alpha = new int[width * height];
    int stride = width * channels;
    for (int y = 0; y < height; y++) {
      int row = y * (stride + 1) + 1;
      for (int x = 0; x < width; x++) {
        int p = row + x * channels;
        int i = y * width + x;
        if (channels <= 2) {
          luminance[i] = raw[p] & 0xFF;
          alpha[i] = channels == 2 ? raw[p + 1] & 0xFF : 255;
        } else {
          luminance[i] =
              ImagePreprocessor.luminance(raw[p] & 0xFF, raw[p + 1] & 0xFF, raw[p + 2] & 0xFF);
          alpha[i] = channels == 4 ? raw[p + 3] & 0xFF : 255;
        }
      }
    }
    return new Pixels(width, height, luminance, alpha);
  }

  private static int readInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | b[at + 3] & 0xFF;
  }
}
