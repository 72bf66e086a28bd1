package dev.digitlab.server.serving.kserve;

import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.server.api.NotFoundException;
import dev.digitlab.server.registry.ModelAlias;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.ModelVersion;
import dev.digitlab.server.registry.RegisteredModel;
import dev.digitlab.server.registry.VersionStatus;
import dev.digitlab.server.serving.ImageTensor;
import dev.digitlab.server.serving.ServedModels;
import dev.digitlab.server.serving.ServingErrors;
import dev.digitlab.server.serving.ServingMetrics;
import dev.digitlab.server.serving.ServingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Open Inference Protocol (KServe V2) over HTTP/REST, beside Digit Lab's own predict endpoint,
 * so that KServe's and Triton's clients use registered models unchanged: server and model health,
 * metadata, and inference with FP32 or UINT8 tensors, in JSON or with the binary tensor extension.
 * A model named without a version is the version its {@code production} alias points at, or its
 * newest servable version when it has no such alias. Errors are {@code {"error": "..."}} as the
 * protocol says.
 */
@RestController
class KServeController {

  static final String PROTOCOL = "kserve-v2";

  private final ServedModels served;
  private final ModelRegistry registry;
  private final ServingMetrics metrics;
  private final ServingSettings settings;

  KServeController(
      ServedModels served,
      ModelRegistry registry,
      ServingMetrics metrics,
      ServingSettings settings) {
    this.served = served;
    this.registry = registry;
    this.metrics = metrics;
    this.settings = settings;
  }

  @GetMapping({"/v2", "/v2/"})
  Map<String, Object> server() {
    return Map.of(
        "name",
        "digitlab",
        "version",
        InferenceMessages.serverVersion(),
        "extensions",
        List.of("binary_tensor_data"));
  }

  @GetMapping("/v2/health/live")
  Map<String, Object> live() {
    return Map.of("live", true);
  }

  /** The server takes requests once its context has started, which is when this can answer. */
  @GetMapping("/v2/health/ready")
  Map<String, Object> ready() {
    return Map.of("ready", true);
  }

  @GetMapping("/v2/models/{name}")
  ObjectNode metadata(@PathVariable String name) {
    RegisteredModel model = registry.get(name);
    return InferenceMessages.metadata(name, versions(model), defaultVersion(model));
  }

  @GetMapping("/v2/models/{name}/versions/{version}")
  ObjectNode metadata(@PathVariable String name, @PathVariable String version) {
    ModelVersion found = registry.version(name, number(name, version));
    return InferenceMessages.metadata(
        name, List.of(Integer.toString(found.version())), found.version());
  }

  @GetMapping("/v2/models/{name}/ready")
  ResponseEntity<Map<String, Object>> modelReady(@PathVariable String name) {
    return readiness(name, defaultVersion(registry.get(name)));
  }

  @GetMapping("/v2/models/{name}/versions/{version}/ready")
  ResponseEntity<Map<String, Object>> modelReady(
      @PathVariable String name, @PathVariable String version) {
    return readiness(name, registry.version(name, number(name, version)).version());
  }

  @PostMapping("/v2/models/{name}/infer")
  ResponseEntity<byte[]> infer(
      @PathVariable String name,
      @RequestHeader(name = InferenceMessages.HEADER_LENGTH, required = false) Long headerLength,
      InputStream body)
      throws IOException {
    long start = System.nanoTime();
    ServedModels.Served model = resolve(name, null);
    return infer(model, headerLength, body, start);
  }

  @PostMapping("/v2/models/{name}/versions/{version}/infer")
  ResponseEntity<byte[]> infer(
      @PathVariable String name,
      @PathVariable String version,
      @RequestHeader(name = InferenceMessages.HEADER_LENGTH, required = false) Long headerLength,
      InputStream body)
      throws IOException {
    long start = System.nanoTime();
    ServedModels.Served model = resolve(name, version);
    return infer(model, headerLength, body, start);
  }

  private ResponseEntity<byte[]> infer(
      ServedModels.Served model, Long headerLength, InputStream body, long start)
      throws IOException {
    try {
      InferenceRequest request = InferenceRequest.read(body, headerLength, settings.maxJsonBytes());
      List<byte[]> images =
          ImageTensor.images(request.shape(), request.values(), settings.maxBatch());
      List<Prediction> predictions = model.classifier().predict(images);
      ResponseEntity<byte[]> response =
          InferenceMessages.response(model.model(), model.version(), request, predictions);
      metrics.answered(PROTOCOL, model.model(), model.version(), System.nanoTime() - start);
      return response;
    } catch (RuntimeException e) {
      metrics.failed(PROTOCOL, model.model(), model.version(), status(e).value());
      throw e;
    }
  }

  /** A model's version by number (a V2 version is a string), or the default one when null. */
  private ServedModels.Served resolve(String name, String version) {
    try {
      if (version != null) {
        return served.byVersion(name, number(name, version));
      }
      return served.byVersion(name, defaultVersion(registry.get(name)));
    } catch (RuntimeException e) {
      metrics.failed(PROTOCOL, ServingMetrics.UNKNOWN, null, status(e).value());
      throw e;
    }
  }

  private ResponseEntity<Map<String, Object>> readiness(String name, int version) {
    try {
      served.warm(name, version);
      return ResponseEntity.ok(Map.of("name", name, "ready", true));
    } catch (RuntimeException e) {
      // Exists but cannot be loaded (weights missing): not ready, which the protocol answers 4xx.
      return ResponseEntity.status(HttpStatus.BAD_REQUEST)
          .body(Map.of("name", name, "ready", false, "error", message(e)));
    }
  }

  /**
   * What a model name alone stands for: the {@code production} alias's version, else the newest
   * version that is not archived.
   */
  private static int defaultVersion(RegisteredModel model) {
    return model.aliases().stream()
        .filter(a -> a.alias().equals(ModelRegistry.PRODUCTION))
        .map(ModelAlias::version)
        .findFirst()
        .orElseGet(
            () ->
                model.versions().stream()
                    .filter(v -> v.status() != VersionStatus.ARCHIVED)
                    .map(ModelVersion::version)
                    .max(Comparator.naturalOrder())
                    .orElseThrow(
                        () ->
                            new NotFoundException(
                                "Model " + model.name() + " has no version that can be served.")));
  }

  private static List<String> versions(RegisteredModel model) {
    return model.versions().stream().map(v -> Integer.toString(v.version())).toList();
  }

  private static int number(String name, String version) {
    try {
      return Integer.parseInt(version);
    } catch (NumberFormatException e) {
      throw new NotFoundException(
          "Model " + name + " has no version " + version + "; versions are numbers.");
    }
  }

  /** Errors in the protocol's shape, {@code {"error": "..."}}: 404 unknown, 400 unusable. */
  @ExceptionHandler(RuntimeException.class)
  ResponseEntity<Map<String, String>> error(RuntimeException e) {
    return ResponseEntity.status(status(e))
        .contentType(MediaType.APPLICATION_JSON)
        .body(Map.of("error", message(e)));
  }

  static HttpStatusCode status(RuntimeException e) {
    return ServingErrors.status(e);
  }

  private static String message(RuntimeException e) {
    return ServingErrors.message(e);
  }
}
