package dev.digitlab.server.serving;

import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.server.api.InvalidParameterException;
import dev.digitlab.server.registry.ModelRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

/**
 * {@code POST /api/v1/models/{name}/predict}: the digit in each image sent, by the version an alias
 * ({@code production} unless named) or a version number points at; and {@code POST
 * /api/v1/preprocess}, the 28×28 MNIST form of an image as a PNG.
 */
@RestController
@EnableConfigurationProperties(ServingSettings.class)
class PredictController {

  private static final String PROTOCOL = "digitlab";

  private final ServedModels served;
  private final PredictionInputs inputs;
  private final ServingMetrics metrics;

  PredictController(ServedModels served, PredictionInputs inputs, ServingMetrics metrics) {
    this.served = served;
    this.inputs = inputs;
    this.metrics = metrics;
  }

  /** Reads a request's images; may throw what {@link PredictionInputs} throws. */
  @FunctionalInterface
  private interface Images {
    List<PredictionInputs.Input> read() throws IOException;
  }

  /** One image's answer. */
  record Answer(int digit, float[] probabilities) {}

  /**
   * What a prediction request gets: the version that answered, and for each image the digit and the
   * 10 probabilities; {@code digit} and {@code probabilities} repeat the first answer's.
   *
   * @param latencyMs time from the request's arrival in the handler to its answer
   */
  record PredictionResponse(
      String model,
      int version,
      String alias,
      int digit,
      float[] probabilities,
      List<Answer> predictions,
      double latencyMs) {}

  @PostMapping(
      path = "/api/v1/models/{name}/predict",
      consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
  PredictionResponse predictFiles(
      @PathVariable String name,
      @RequestParam(required = false) String alias,
      @RequestParam(required = false) Integer version,
      @RequestPart("image") List<MultipartFile> images)
      throws IOException {
    return serve(name, alias, version, () -> inputs.fromFiles(images));
  }

  /**
   * One image as the whole body: what a client sending single images at a high rate should use, as
   * it skips building and parsing a multipart body.
   */
  @PostMapping(
      path = "/api/v1/models/{name}/predict",
      consumes = {
        MediaType.IMAGE_PNG_VALUE,
        MediaType.IMAGE_JPEG_VALUE,
        MediaType.IMAGE_GIF_VALUE,
        MediaType.APPLICATION_OCTET_STREAM_VALUE
      })
  PredictionResponse predictBody(
      @PathVariable String name,
      @RequestParam(required = false) String alias,
      @RequestParam(required = false) Integer version,
      InputStream body)
      throws IOException {
    return serve(name, alias, version, () -> inputs.fromBody(body));
  }

  @PostMapping(path = "/api/v1/models/{name}/predict", consumes = MediaType.APPLICATION_JSON_VALUE)
  PredictionResponse predictJson(
      @PathVariable String name,
      @RequestParam(required = false) String alias,
      @RequestParam(required = false) Integer version,
      InputStream body)
      throws IOException {
    return serve(name, alias, version, () -> inputs.fromJson(body));
  }

  @PostMapping(
      path = "/api/v1/preprocess",
      consumes = MediaType.MULTIPART_FORM_DATA_VALUE,
      produces = MediaType.IMAGE_PNG_VALUE)
  ResponseEntity<byte[]> preprocessFile(@RequestPart("image") MultipartFile image)
      throws IOException {
    return png(inputs.fromFiles(List.of(image)).getFirst().mnist());
  }

  @PostMapping(
      path = "/api/v1/preprocess",
      consumes = {
        MediaType.IMAGE_PNG_VALUE,
        MediaType.IMAGE_JPEG_VALUE,
        MediaType.IMAGE_GIF_VALUE,
        MediaType.APPLICATION_OCTET_STREAM_VALUE
      },
      produces = MediaType.IMAGE_PNG_VALUE)
  ResponseEntity<byte[]> preprocessBody(InputStream body) throws IOException {
    return png(inputs.fromBody(body).getFirst().mnist());
  }

  @PostMapping(
      path = "/api/v1/preprocess",
      consumes = MediaType.APPLICATION_JSON_VALUE,
      produces = MediaType.IMAGE_PNG_VALUE)
  ResponseEntity<byte[]> preprocessJson(InputStream body) throws IOException {
    return png(inputs.fromJson(body).getFirst().mnist());
  }

  /** Resolves the version, predicts, and counts the request in the per-model metrics. */
  private PredictionResponse serve(String name, String alias, Integer version, Images images)
      throws IOException {
    long start = System.nanoTime();
    ServedModels.Served model;
    try {
      model = resolve(name, alias, version);
    } catch (RuntimeException e) {
      metrics.failed(PROTOCOL, ServingMetrics.UNKNOWN, null, ServingErrors.status(e).value());
      throw e;
    }
    try {
      PredictionResponse response = answer(model, images.read(), start);
      metrics.answered(PROTOCOL, model.model(), model.version(), System.nanoTime() - start);
      return response;
    } catch (RuntimeException e) {
      metrics.failed(PROTOCOL, model.model(), model.version(), ServingErrors.status(e).value());
      throw e;
    }
  }

  private ServedModels.Served resolve(String name, String alias, Integer version) {
    if (alias != null && version != null) {
      throw new InvalidParameterException("alias", "name an alias or a version, not both");
    }
    return version != null
        ? served.byVersion(name, version)
        : served.byAlias(name, alias == null ? ModelRegistry.PRODUCTION : alias);
  }

  private static PredictionResponse answer(
      ServedModels.Served model, List<PredictionInputs.Input> images, long start) {
    List<Prediction> predictions =
        model.classifier().predict(images.stream().map(PredictionInputs.Input::mnist).toList());
    List<Answer> answers =
        predictions.stream().map(p -> new Answer(p.digit(), p.probabilities())).toList();
    return new PredictionResponse(
        model.model(),
        model.version(),
        model.alias(),
        answers.getFirst().digit(),
        answers.getFirst().probabilities(),
        answers,
        (System.nanoTime() - start) / 1e6);
  }

  private static ResponseEntity<byte[]> png(byte[] mnist) {
    return ResponseEntity.ok().contentType(MediaType.IMAGE_PNG).body(MnistPng.encode(mnist));
  }
}
