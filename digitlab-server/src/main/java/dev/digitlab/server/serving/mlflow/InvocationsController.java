package dev.digitlab.server.serving.mlflow;

import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.ml.json.Json;
import dev.digitlab.server.registry.ModelRegistry;
import dev.digitlab.server.registry.RegisteredModel;
import dev.digitlab.server.serving.ImageTensor;
import dev.digitlab.server.serving.ServedModels;
import dev.digitlab.server.serving.ServingErrors;
import dev.digitlab.server.serving.ServingMetrics;
import dev.digitlab.server.serving.ServingSettings;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * MLflow's scoring protocol ({@code mlflow models serve}): {@code POST /invocations} with a JSON
 * body of {@code inputs} or {@code instances} (a tensor: images as 784 values, 28×28 or 1×28×28
 * nested arrays) or {@code dataframe_split} (784 columns, one row per image), answered {@code
 * {"predictions": [{"digit": 7, "probabilities": [...]}, ...]}}; {@code GET /ping} and {@code
 * /health}. Which model answers: {@code ?model=NAME} (and {@code version} or {@code alias}), else
 * {@code digitlab.serving.invocations-model}, else the only registered model. Errors are MLflow's,
 * {@code {"error_code": "BAD_REQUEST", "message": ...}}.
 */
@RestController
class InvocationsController {

  static final String PROTOCOL = "mlflow";
  private static final JsonMapper JSON = Json.mapper();

  private final ServedModels served;
  private final ModelRegistry registry;
  private final ServingMetrics metrics;
  private final ServingSettings settings;
  private final String defaultModel;

  InvocationsController(
      ServedModels served,
      ModelRegistry registry,
      ServingMetrics metrics,
      ServingSettings settings,
      @Value("${digitlab.serving.invocations-model:}") String defaultModel) {
    this.served = served;
    this.registry = registry;
    this.metrics = metrics;
    this.settings = settings;
    this.defaultModel = defaultModel;
  }

  @GetMapping(
      path = {"/ping", "/health"},
      produces = MediaType.APPLICATION_JSON_VALUE)
  String ping() {
    return "\n";
  }

  @PostMapping("/invocations")
  ResponseEntity<?> invocations(
      @RequestParam(required = false) String model,
      @RequestParam(required = false) String alias,
      @RequestParam(required = false) Integer version,
      @RequestHeader(name = HttpHeaders.CONTENT_TYPE, required = false) String contentType,
      InputStream body)
      throws IOException {
    long start = System.nanoTime();
    if (contentType == null
        || !MediaType.parseMediaType(contentType).isCompatibleWith(MediaType.APPLICATION_JSON)) {
      // As MLflow's scoring server answers a content type it cannot read.
      metrics.failed(PROTOCOL, ServingMetrics.UNKNOWN, null, 415);
      return ResponseEntity.status(HttpStatus.UNSUPPORTED_MEDIA_TYPE)
          .contentType(MediaType.TEXT_PLAIN)
          .body(
              "This predictor only supports the following content types: ['application/json']."
                  + " Got '"
                  + contentType
                  + "'.");
    }
    ServedModels.Served target;
    try {
      target = resolve(model, alias, version);
    } catch (RuntimeException e) {
      metrics.failed(PROTOCOL, ServingMetrics.UNKNOWN, null, status(e).value());
      throw e;
    }
    try {
      List<byte[]> images = images(body);
      List<Prediction> predictions = target.classifier().predict(images);
      ObjectNode answer = JSON.createObjectNode();
      var list = answer.putArray("predictions");
      for (Prediction prediction : predictions) {
        ObjectNode row = list.addObject().put("digit", prediction.digit());
        var probabilities = row.putArray("probabilities");
        for (float p : prediction.probabilities()) {
          probabilities.add(p);
        }
      }
      metrics.answered(PROTOCOL, target.model(), target.version(), System.nanoTime() - start);
      return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(answer);
    } catch (RuntimeException e) {
      metrics.failed(PROTOCOL, target.model(), target.version(), status(e).value());
      throw e;
    }
  }

  private ServedModels.Served resolve(String model, String alias, Integer version) {
    String name = model != null ? model : defaultModel.isBlank() ? onlyModel() : defaultModel;
    if (alias != null && version != null) {
      throw new BadRequest("name an alias or a version, not both");
    }
    return version != null
        ? served.byVersion(name, version)
        : served.byAlias(name, alias == null ? ModelRegistry.PRODUCTION : alias);
  }

  private String onlyModel() {
    List<RegisteredModel> models = registry.list();
    if (models.size() != 1) {
      throw new BadRequest(
          "name the model: POST /invocations?model=NAME (or set digitlab.serving.invocations-model);"
              + " this server has "
              + models.size()
              + " models");
    }
    return models.getFirst().name();
  }

  private List<byte[]> images(InputStream body) throws IOException {
    byte[] bytes = body.readNBytes(settings.maxJsonBytes() + 1);
    if (bytes.length > settings.maxJsonBytes()) {
      throw new BadRequest(
          "the request body is larger than "
              + settings.maxJsonBytes()
              + " bytes (digitlab.serving.max-json-bytes); send fewer images per request");
    }
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JacksonException e) {
      throw new BadRequest(
          "Failed to parse input from JSON: "
              + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !root.isObject()) {
      throw new BadRequest(
          "The input must be a JSON object with one of 'inputs', 'instances' or 'dataframe_split'");
    }
    List<String> keys = new ArrayList<>();
    for (String key : List.of("inputs", "instances", "dataframe_split", "dataframe_records")) {
      if (root.has(key)) {
        keys.add(key);
      }
    }
    if (keys.size() != 1) {
      throw new BadRequest(
          "The input must contain exactly one of 'inputs', 'instances' or 'dataframe_split';"
              + " got "
              + (keys.isEmpty() ? "none" : keys));
    }
    return switch (keys.getFirst()) {
      case "dataframe_split" -> dataframeSplit(root.get("dataframe_split"));
      case "dataframe_records" ->
          throw new BadRequest(
              "dataframe_records is not supported for image models; send dataframe_split or"
                  + " inputs");
      default -> tensor(unwrap(root.get(keys.getFirst())));
    };
  }

  /** {@code {"inputs": {"pixels": [...]}}}: a dict of one named tensor is that tensor. */
  private static JsonNode unwrap(JsonNode tensor) {
    if (tensor.isObject() && tensor.size() == 1) {
      return tensor.iterator().next();
    }
    return tensor;
  }

  /** A nested array: its shape is read from the nesting, which must be regular. */
  private List<byte[]> tensor(JsonNode tensor) {
    if (!tensor.isArray()) {
      throw new BadRequest("the tensor must be a nested array of pixel values 0–255");
    }
    List<Long> shape = new ArrayList<>();
    JsonNode probe = tensor;
    while (probe.isArray()) {
      shape.add((long) probe.size());
      if (probe.isEmpty() || shape.size() > 4) {
        break;
      }
      probe = probe.get(0);
    }
    List<Double> values = new ArrayList<>();
    collect(tensor, shape, 0, values);
    return ImageTensor.images(
        shape.stream().mapToLong(Long::longValue).toArray(),
        values.stream().mapToDouble(Double::doubleValue).toArray(),
        settings.maxBatch());
  }

  private static void collect(JsonNode node, List<Long> shape, int depth, List<Double> into) {
    if (depth == shape.size()) {
      if (!node.isNumber()) {
        throw new BadRequest("the tensor holds a value that is not a number: " + node);
      }
      into.add(node.asDouble());
      return;
    }
    if (!node.isArray() || node.size() != shape.get(depth)) {
      throw new BadRequest(
          "the tensor is ragged: every row at depth "
              + depth
              + " needs "
              + shape.get(depth)
              + " values");
    }
    for (JsonNode child : node) {
      collect(child, shape, depth + 1, into);
    }
  }

  private List<byte[]> dataframeSplit(JsonNode frame) {
    JsonNode data = frame.get("data");
    if (!frame.isObject() || data == null || !data.isArray()) {
      throw new BadRequest("dataframe_split needs 'data', a list of rows of 784 pixel values");
    }
    JsonNode columns = frame.get("columns");
    if (columns != null && columns.size() != Classifier.PIXELS) {
      throw new BadRequest(
          "dataframe_split has "
              + columns.size()
              + " columns; an image needs "
              + Classifier.PIXELS);
    }
    List<Double> values = new ArrayList<>();
    collect(data, List.of((long) data.size(), (long) Classifier.PIXELS), 0, values);
    return ImageTensor.images(
        new long[] {data.size(), Classifier.PIXELS},
        values.stream().mapToDouble(Double::doubleValue).toArray(),
        settings.maxBatch());
  }

  /** MLflow's error shape and codes. */
  @ExceptionHandler(RuntimeException.class)
  ResponseEntity<Map<String, String>> error(RuntimeException e) {
    HttpStatusCode status = status(e);
    String code =
        switch (status.value()) {
          case 404 -> "RESOURCE_DOES_NOT_EXIST";
          case 500 -> "INTERNAL_ERROR";
          default -> status.is4xxClientError() ? "BAD_REQUEST" : "INTERNAL_ERROR";
        };
    return ResponseEntity.status(status)
        .contentType(MediaType.APPLICATION_JSON)
        .body(Map.of("error_code", code, "message", ServingErrors.message(e)));
  }

  private static HttpStatusCode status(RuntimeException e) {
    return ServingErrors.status(e);
  }

  /** A request MLflow's scoring server would answer 400 BAD_REQUEST. */
  static final class BadRequest extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BadRequest(String message) {
      super(message);
    }
  }
}
