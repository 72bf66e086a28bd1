package dev.digitlab.server.serving;

import dev.digitlab.ml.infer.ImageDecoder;
import dev.digitlab.ml.infer.ImagePreprocessor;
import dev.digitlab.ml.infer.ImageRejectedException;
import dev.digitlab.ml.json.Json;
import dev.digitlab.server.api.InvalidParameterException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.multipart.MultipartFile;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Turns what a client sends into MNIST-form images: uploaded files, or a JSON body holding one
 * base64 image ({@code image}), several ({@code images}), 784 pixel values ({@code pixels}), or a
 * list of such objects ({@code instances}). Sizes are checked before anything is decoded.
 */
@Component
public class PredictionInputs {

  private static final ObjectMapper JSON = Json.mapper();

  private final ServingSettings settings;
  private final ImageDecoder decoder;

  /**
   * Decoding is CPU work a client controls: at most this many images decode at once, whatever the
   * number of requests (issue 15: three costly images kept health waiting 15 s on 2 cores).
   * Package-private so that a test can hold every slot and see the 503.
   */
  final Semaphore decodeSlots;

  PredictionInputs(ServingSettings settings) {
    this.settings = settings;
    this.decoder =
        new ImageDecoder(
            settings.maxImageBytes(), settings.maxImagePixels(), settings.decodeTimeout());
    this.decodeSlots = new Semaphore(settings.decodeSlots(), true);
  }

  /** One input: its original bytes (null for pixel values) and its MNIST form. */
  public record Input(byte[] encoded, byte[] mnist) {}

  public List<Input> fromFiles(List<MultipartFile> files) throws IOException {
    checkCount(files.size());
    List<Input> inputs = new ArrayList<>(files.size());
    for (MultipartFile file : files) {
      if (file.getSize() > settings.maxImageBytes()) {
        throw tooLarge(file.getSize());
      }
      inputs.add(fromBytes(file.getBytes()));
    }
    return inputs;
  }

  /**
   * One image sent as the whole request body ({@code Content-Type: image/png} and the like): no
   * multipart parsing on either side, the cheapest way to send a single image.
   */
  public List<Input> fromBody(InputStream body) throws IOException {
    // One byte over the limit is enough to refuse (Tomcat swallows the rest before answering).
    byte[] bytes =
        body.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, settings.maxImageBytes() + 1));
    if (bytes.length > settings.maxImageBytes()) {
      throw new ImageRejectedException(
          ImageRejectedException.Reason.TOO_LARGE,
          "the image has more than "
              + settings.maxImageBytes()
              + " bytes; the limit is "
              + settings.maxImageBytes());
    }
    if (bytes.length == 0) {
      throw new InvalidParameterException("body", "send the image's bytes as the request body");
    }
    return List.of(fromBytes(bytes));
  }

  public List<Input> fromJson(InputStream body) throws IOException {
    byte[] bytes = body.readNBytes(settings.maxJsonBytes() + 1);
    if (bytes.length > settings.maxJsonBytes()) {
      throw new ImageRejectedException(
          ImageRejectedException.Reason.TOO_LARGE,
          "the JSON body is larger than "
              + settings.maxJsonBytes()
              + " bytes; send fewer or smaller images, or upload them as files");
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw new InvalidParameterException(
          "body", "is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !root.isObject()) {
      throw new InvalidParameterException(
          "body", "must be an object with 'image', 'images', 'pixels' or 'instances'");
    }
    List<JsonNode> items = new ArrayList<>();
    if (root.has("instances")) {
      root.get("instances").forEach(items::add);
    } else if (root.has("images")) {
      root.get("images").forEach(image -> items.add(JSON.createObjectNode().set("image", image)));
    } else {
      items.add(root);
    }
    checkCount(items.size());
    List<Input> inputs = new ArrayList<>(items.size());
    for (int i = 0; i < items.size(); i++) {
      inputs.add(fromJsonItem(items.get(i), items.size() == 1 ? "" : "instances[" + i + "]."));
    }
    return inputs;
  }

  private Input fromJsonItem(JsonNode item, String prefix) {
    if (item.hasNonNull("image") && item.get("image").isString()) {
      return fromBytes(decodeBase64(item.get("image").asString(), prefix + "image"));
    }
    if (item.has("pixels")) {
      return fromPixels(item.get("pixels"), prefix);
    }
    throw new InvalidParameterException(
        prefix.isEmpty() ? "body" : prefix.substring(0, prefix.length() - 1),
        "needs 'image' (base64 PNG, JPEG or GIF) or 'pixels' (784 values 0–255)");
  }

  /**
   * The bytes of a base64 image, which may be a data URL as a canvas's {@code toDataURL()} gives.
   */
  public byte[] decodeBase64(String text, String field) {
    int comma = text.startsWith("data:") ? text.indexOf(',') : -1;
    String base64 = comma >= 0 ? text.substring(comma + 1) : text;
    if ((long) base64.length() * 3 / 4 > settings.maxImageBytes()) {
      throw tooLarge((long) base64.length() * 3 / 4);
    }
    try {
      return Base64.getMimeDecoder().decode(base64);
    } catch (IllegalArgumentException e) {
      throw new InvalidParameterException(field, "is not valid base64: " + e.getMessage());
    }
  }

  /** 784 pixel values (0–255) in MNIST form. */
  public Input fromPixels(JsonNode pixels, String prefix) {
    if (!pixels.isArray()) {
      throw new InvalidParameterException(prefix + "pixels", "must be an array of 784 numbers");
    }
    int[] values = new int[pixels.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode value = pixels.get(i);
      if (!value.isNumber()) {
        throw new InvalidParameterException(
            prefix + "pixels", "value " + i + " is not a number: " + value);
      }
      double number = value.asDouble();
      if (!(number >= 0 && number <= 255)) {
        // Checked as a double: 1e308 or a long would wrap around as an int (issue 15: "is -1").
        throw new InvalidParameterException(
            prefix + "pixels", "value " + i + " must be between 0 and 255, got " + value);
      }
      values[i] = (int) Math.round(number);
    }
    try {
      return new Input(null, ImagePreprocessor.fromPixels(values));
    } catch (IllegalArgumentException e) {
      throw new InvalidParameterException(prefix + "pixels", e.getMessage());
    }
  }

  /** An encoded image's MNIST form; throws ImageRejectedException or EmptyImageException. */
  public Input fromBytes(byte[] bytes) {
    boolean acquired;
    try {
      acquired = decodeSlots.tryAcquire(settings.decodeWait().toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ServerBusyException();
    }
    if (!acquired) {
      throw new ServerBusyException();
    }
    try {
      return new Input(bytes, ImagePreprocessor.fromEncoded(bytes, decoder));
    } finally {
      decodeSlots.release();
    }
  }

  /** Every decoding slot stayed busy: a 503 with {@code Retry-After}. */
  static final class ServerBusyException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    ServerBusyException() {
      super(HttpStatus.SERVICE_UNAVAILABLE, problem(), null);
      getHeaders().set(HttpHeaders.RETRY_AFTER, "1");
    }

    private static ProblemDetail problem() {
      ProblemDetail problem =
          ProblemDetail.forStatusAndDetail(
              HttpStatus.SERVICE_UNAVAILABLE,
              "Every image-decoding slot is busy (digitlab.serving.decode-threads); try again"
                  + " in a second.");
      problem.setTitle("Busy decoding images");
      return problem;
    }
  }

  private void checkCount(int count) {
    if (count == 0) {
      throw new InvalidParameterException("image", "send at least one image");
    }
    if (count > settings.maxBatch()) {
      throw new InvalidParameterException(
          "images", "at most " + settings.maxBatch() + " images per request, got " + count);
    }
  }

  private ImageRejectedException tooLarge(long size) {
    return new ImageRejectedException(
        ImageRejectedException.Reason.TOO_LARGE,
        "the image has " + size + " bytes; the limit is " + settings.maxImageBytes());
  }
}
