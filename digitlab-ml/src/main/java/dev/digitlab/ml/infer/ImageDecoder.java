package dev.digitlab.ml.infer;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.event.IIOReadProgressListener;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes PNG, JPEG and GIF bytes with {@code javax.imageio}, refusing what could hurt the server
 * before any pixel is decoded: too many bytes, an unknown format, or declared dimensions over the
 * pixel limit (a decompression bomb is a tiny file that declares a huge image).
 */
public final class ImageDecoder {

  private static final Set<String> FORMATS = Set.of("png", "jpeg", "gif");

  /** Most bits per sample accepted: 8 (a 16-bit image costs far more and adds nothing). */
  public static final int MAX_BITS_PER_SAMPLE = 8;

  private final long maxBytes;
  private final long maxPixels;
  private final Duration maxDecodeTime;

  /** A decoder for images of at most {@code maxBytes} bytes and {@code maxPixels} pixels. */
  public ImageDecoder(long maxBytes, long maxPixels) {
    this(maxBytes, maxPixels, Duration.ofDays(1));
  }

  /**
   * A decoder for images of at most {@code maxBytes} bytes, {@code maxPixels} pixels and 8 bits per
   * sample, that gives up on an image still decoding after {@code maxDecodeTime}.
   */
  public ImageDecoder(long maxBytes, long maxPixels, Duration maxDecodeTime) {
    this.maxBytes = maxBytes;
    this.maxPixels = maxPixels;
    this.maxDecodeTime = maxDecodeTime;
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
        checkDepth(reader);
        long deadline = System.nanoTime() + maxDecodeTime.toNanos();
        // The reader reports progress as it decodes rows: past the deadline it is told to stop,
        // so a costly image does not hold a thread (and a core) after its client gave up.
        reader.addIIOReadProgressListener(
            new IIOReadProgressListener() {
              @Override
              public void imageProgress(ImageReader source, float percentageDone) {
                if (System.nanoTime() > deadline) {
                  source.abort();
                }
              }

              @Override
              public void sequenceStarted(ImageReader source, int minIndex) {}

              @Override
              public void sequenceComplete(ImageReader source) {}

              @Override
              public void imageStarted(ImageReader source, int imageIndex) {}

              @Override
              public void imageComplete(ImageReader source) {}

              @Override
              public void thumbnailStarted(
                  ImageReader source, int imageIndex, int thumbnailIndex) {}

              @Override
              public void thumbnailProgress(ImageReader source, float percentageDone) {}

              @Override
              public void thumbnailComplete(ImageReader source) {}

              @Override
              public void readAborted(ImageReader source) {}
            });
        BufferedImage image = reader.read(0);
        if (System.nanoTime() > deadline) {
          throw new ImageRejectedException(
              ImageRejectedException.Reason.TOO_SLOW,
              "decoding the image took longer than "
                  + maxDecodeTime.toMillis()
                  + " ms; send a smaller, plain 8-bit PNG, JPEG or GIF");
        }
        return image;
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

  /** Refuses more than 8 bits per sample, read from the header before any pixel is decoded. */
  private static void checkDepth(ImageReader reader) throws IOException {
    ImageTypeSpecifier raw = reader.getRawImageType(0);
    if (raw == null) {
      return;
    }
    for (int bits : raw.getSampleModel().getSampleSize()) {
      if (bits > MAX_BITS_PER_SAMPLE) {
        throw new ImageRejectedException(
            ImageRejectedException.Reason.TOO_DEEP,
            "the image has "
                + bits
                + " bits per sample; at most "
                + MAX_BITS_PER_SAMPLE
                + " are accepted (save it as an 8-bit image)");
      }
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
