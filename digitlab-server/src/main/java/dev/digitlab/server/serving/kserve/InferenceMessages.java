package dev.digitlab.server.serving.kserve;

import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.ml.json.Json;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Open Inference Protocol's responses for our models: input {@code pixels} (FP32 or UINT8,
 * {@code [-1, 1, 28, 28]}), outputs {@code probabilities} (FP32 {@code [-1, 10]}) and {@code digit}
 * (INT64 {@code [-1]}).
 */
final class InferenceMessages {

  static final String HEADER_LENGTH = "Inference-Header-Content-Length";
  static final String PROBABILITIES = "probabilities";
  static final String DIGIT = "digit";
  private static final Set<String> OUTPUTS = Set.of(PROBABILITIES, DIGIT);
  private static final JsonMapper JSON = Json.mapper();

  private InferenceMessages() {}

  static String serverVersion() {
    String version = InferenceMessages.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }

  static ObjectNode metadata(String name, List<String> versions, int servedVersion) {
    ObjectNode root = JSON.createObjectNode();
    root.put("name", name);
    versions.forEach(root.putArray("versions")::add);
    root.put("platform", "digitlab");
    ObjectNode input = root.putArray("inputs").addObject();
    input.put("name", "pixels").put("datatype", "FP32");
    input.putArray("shape").add(-1).add(1).add(28).add(28);
    ObjectNode probabilities = root.putArray("outputs").addObject();
    probabilities.put("name", PROBABILITIES).put("datatype", "FP32");
    probabilities.putArray("shape").add(-1).add(10);
    ObjectNode digit = ((ArrayNode) root.get("outputs")).addObject();
    digit.put("name", DIGIT).put("datatype", "INT64");
    digit.putArray("shape").add(-1);
    root.putObject("parameters").put("served_version", Integer.toString(servedVersion));
    return root;
  }

  static ResponseEntity<byte[]> response(
      String model, int version, InferenceRequest request, List<Prediction> predictions) {
    ObjectNode root = JSON.createObjectNode();
    root.put("model_name", model);
    root.put("model_version", Integer.toString(version));
    if (request.id() != null) {
      root.put("id", request.id());
    }
    ArrayNode outputs = root.putArray("outputs");
    ByteArrayOutputStream binary = new ByteArrayOutputStream();
    List<InferenceRequest.RequestedOutput> wanted =
        request.outputs().isEmpty()
            ? List.of(
                new InferenceRequest.RequestedOutput(PROBABILITIES, null),
                new InferenceRequest.RequestedOutput(DIGIT, null))
            : request.outputs();
    int n = predictions.size();
    for (InferenceRequest.RequestedOutput output : wanted) {
      if (!OUTPUTS.contains(output.name())) {
        throw new InferenceRequest.BadRequestException(
            "unknown output '"
                + output.name()
                + "'; this model has "
                + PROBABILITIES
                + " and "
                + DIGIT);
      }
      boolean asBinary = output.binary() != null ? output.binary() : request.binaryByDefault();
      ObjectNode tensor = outputs.addObject().put("name", output.name());
      boolean probabilities = output.name().equals(PROBABILITIES);
      tensor.put("datatype", probabilities ? "FP32" : "INT64");
      ArrayNode shape = tensor.putArray("shape").add(n);
      if (probabilities) {
        shape.add(10);
      }
      ByteBuffer bytes =
          ByteBuffer.allocate(n * (probabilities ? 10 * Float.BYTES : Long.BYTES))
              .order(ByteOrder.LITTLE_ENDIAN);
      ArrayNode data = asBinary ? null : tensor.putArray("data");
      for (Prediction prediction : predictions) {
        if (probabilities) {
          for (float p : prediction.probabilities()) {
            bytes.putFloat(p);
            if (data != null) {
              data.add(p);
            }
          }
        } else {
          bytes.putLong(prediction.digit());
          if (data != null) {
            data.add(prediction.digit());
          }
        }
      }
      if (asBinary) {
        tensor.putObject("parameters").put("binary_data_size", bytes.capacity());
        binary.writeBytes(bytes.array());
      }
    }
    byte[] json = JSON.writeValueAsBytes(root);
    if (binary.size() == 0) {
      return ResponseEntity.ok().contentType(MediaType.APPLICATION_JSON).body(json);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream(json.length + binary.size());
    body.writeBytes(json);
    body.writeBytes(binary.toByteArray());
    return ResponseEntity.ok()
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .header(HEADER_LENGTH, Integer.toString(json.length))
        .body(body.toByteArray());
  }
}
