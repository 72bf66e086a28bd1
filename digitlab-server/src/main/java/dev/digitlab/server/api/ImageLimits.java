package dev.digitlab.server.api;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;

/**
 * Checks an image a client sent before anything decodes it: its size in bytes, and its width and
 * height as its header states them ({@code digitlab.limits.max-image-size}, {@code
 * max-image-pixels}). A few hundred bytes of PNG can claim 100,000 × 100,000 pixels, which a
 * decoder would try to allocate (tens of GB): the header is read, the pixels are not.
 */
@Component
public class ImageLimits {

  /** An image's dimensions, from its header. */
  public record ImageSize(int width, int height) {}

  private final long maxBytes;
  private final long maxPixels;

  public ImageLimits(RequestLimits limits) {
    this.maxBytes = limits.maxImageSize().toBytes();
    this.maxPixels = limits.maxImagePixels();
  }

  /**
   * The image's size, if it may be decoded.
   *
   * @param parameter how the request names the image, for the error ({@code image})
   * @throws ErrorResponseException 413 when the image has too many bytes or pixels
   * @throws InvalidParameterException 400 when it is no image ImageIO can read (PNG, JPEG, GIF,
   *     BMP)
   */
  public ImageSize check(byte[] image, String parameter) {
    if (image.length > maxBytes) {
      throw tooLarge(
          "The image is "
              + image.length
              + " bytes; the limit is "
              + maxBytes
              + " (digitlab.limits.max-image-size).");
    }
    try (ImageInputStream stream =
        new MemoryCacheImageInputStream(new ByteArrayInputStream(image))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
      if (!readers.hasNext()) {
        throw new InvalidParameterException(
            parameter, "is not an image this server reads (PNG, JPEG, GIF or BMP)");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(stream, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if (width < 1 || height < 1) {
          throw new InvalidParameterException(parameter, "has no pixels");
        }
        if ((long) width * height > maxPixels) {
          throw tooLarge(
              "The image is "
                  + width
                  + " × "
                  + height
                  + " pixels; the limit is "
                  + maxPixels
                  + " pixels (digitlab.limits.max-image-pixels). Scale it down first.");
        }
        return new ImageSize(width, height);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      if (e instanceof ErrorResponseException || e instanceof InvalidParameterException) {
        throw (RuntimeException) e;
      }
      // ImageIO's readers throw IOException, and some IllegalArgumentException, on bad headers.
      throw new InvalidParameterException(
          parameter, "cannot be read as an image: its header is damaged or incomplete");
    }
  }

  private static ErrorResponseException tooLarge(String detail) {
    ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONTENT_TOO_LARGE, detail);
    problem.setTitle("Image too large");
    return new ErrorResponseException(HttpStatus.CONTENT_TOO_LARGE, problem, null);
  }
}
