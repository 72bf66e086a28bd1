package dev.digitlab.server.registry;

import dev.digitlab.ml.json.Json;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * What an imported ONNX version records as its config: the graph's input and output as found, and
 * how its pixels and outputs are read. Serving rebuilds the {@link OnnxClassifier} from it.
 */
final class OnnxImports {

  private static final JsonMapper JSON = Json.mapper();

  private OnnxImports() {}

  static String config(OnnxClassifier classifier) {
    OnnxClassifier.Signature signature = classifier.signature();
    ObjectNode config = JSON.createObjectNode();
    config.put("format", "onnx");
    config.put("input", signature.input());
    config.put("inputShape", java.util.Arrays.toString(signature.inputShape()).replace(" ", ""));
    config.put("output", signature.output());
    config.put("outputShape", java.util.Arrays.toString(signature.outputShape()).replace(" ", ""));
    config.put("pixels", classifier.scale().label());
    config.put("outputs", classifier.outputs().label());
    return JSON.writeValueAsString(config);
  }

  /** The classifier of an imported version, from its ONNX bytes and its recorded config. */
  static OnnxClassifier load(byte[] onnx, String config) {
    JsonNode node = JSON.readTree(config);
    return OnnxClassifier.load(
        onnx,
        OnnxClassifier.PixelScale.of(node.path("pixels").asString("0-255")),
        OnnxClassifier.Outputs.of(node.path("outputs").asString("logits")));
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
