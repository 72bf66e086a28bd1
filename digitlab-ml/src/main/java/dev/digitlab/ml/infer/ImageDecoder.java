package dev.digitlab.ml.infer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, JPEG and GIF bytes with {@code javax.imageio}, refusing what could hurt the server
 * before any pixel is decoded: too many bytes, an unknown format, or declared dimensions over the
 * pixel limit (a decompression bomb is a tiny file that declares a huge image).
 */
public final class ImageDecoder {

  private static final Set<String> FORMATS = Set.of("png", "jpeg", "gif");

  private final long maxBytes;
  private final long maxPixels;

  /** A decoder for images of at most {@code maxBytes} bytes and {@code maxPixels} pixels. */
  public ImageDecoder(long maxBytes, long maxPixels) {
    this.maxBytes = maxBytes;
    this.maxPixels = maxPixels;
  }

  /** Largest encoded image accepted, in bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * The pixels of a simple PNG (see {@link SimplePng}), or null when the bytes need {@link
   * #decode}.
   *
   * @throws ImageRejectedException when there are too many bytes
   */
  SimplePng.Pixels decodeSimple(byte[] bytes) {
    checkSize(bytes);
    return SimplePng.decode(bytes, maxPixels);
  }

  /**
   * The decoded image.
   *
   * @throws ImageRejectedException saying why the bytes are refused
   */
  public BufferedImage decode(byte[] bytes) {
    checkSize(bytes);
    // A memory-cached stream: ImageIO.createImageInputStream would cache in a temporary file,
    // which costs a file per request when ImageIO's disk cache is on (its default).
    try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new ImageRejectedException(
            ImageRejectedException.Reason.NOT_AN_IMAGE, "the data is not a PNG, JPEG or GIF image");
      }
      ImageReader reader = readers.next();
      try {
        String format = reader.getFormatName().toLowerCase(Locale.ROOT);
        if (!FORMATS.contains(format)) {
          throw new ImageRejectedException(
              ImageRejectedException.Reason.NOT_AN_IMAGE,
              "images must be PNG, JPEG or GIF; this one is " + format);
        }
        reader.setInput(in, true, true);
        // Only the header is read here: the dimensions are checked before any pixel is decoded.
        long width = reader.getWidth(0);
        long height = reader.getHeight(0);
        if (width <= 0 || height <= 0 || width * height > maxPixels) {
          throw new ImageRejectedException(
              ImageRejectedException.Reason.TOO_MANY_PIXELS,
              "the image is "
                  + width
                  + "×"
                  + height
                  + " pixels; at most "
                  + maxPixels
                  + " pixels are accepted");
        }
        return reader.read(0);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ImageRejectedException rejected) {
        throw rejected;
      }
      throw new ImageRejectedException(
          ImageRejectedException.Reason.MALFORMED,
          "the image cannot be decoded (" + e.getMessage() + "); send a valid PNG, JPEG or GIF");
    }
  }

  private void checkSize(byte[] bytes) {
    if (bytes.length > maxBytes) {
      throw new ImageRejectedException(
          ImageRejectedException.Reason.TOO_LARGE,
          "the image has " + bytes.length + " bytes; the limit is " + maxBytes);
    }
  }
}
