package dev.digitlab.server.serving.kserve;

import dev.digitlab.ml.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An Open Inference Protocol inference request, read from its JSON (and, with the binary tensor
 * extension, the raw tensor bytes after {@code Inference-Header-Content-Length} bytes of JSON). Our
 * models have one input, so exactly one input tensor is accepted; its values are kept as doubles.
 *
 * @param id the request's {@code id}, echoed in the response, or null
 * @param outputs the outputs asked for (all when empty)
 * @param binaryByDefault the request's {@code binary_data_output} parameter
 */
record InferenceRequest(
    String id,
    String input,
    String datatype,
    long[] shape,
    double[] values,
    List<RequestedOutput> outputs,
    boolean binaryByDefault) {

  private static final JsonMapper JSON = Json.mapper();

  /** One output asked for, and whether it should come back as binary tensor data. */
  record RequestedOutput(String name, Boolean binary) {}

  static InferenceRequest read(InputStream body, Long headerLength, int maxBytes)
      throws IOException {
    byte[] bytes = body.readNBytes(maxBytes + 1);
    if (bytes.length > maxBytes) {
      throw new BadRequestException(
          "the request body is larger than "
              + maxBytes
              + " bytes (digitlab.serving.max-json-bytes); send fewer images per request");
    }
    int jsonLength = bytes.length;
    if (headerLength != null) {
      if (headerLength < 0 || headerLength > bytes.length) {
        throw new BadRequestException(
            "Inference-Header-Content-Length is "
                + headerLength
                + " but the body has "
                + bytes.length
                + " bytes");
      }
      jsonLength = headerLength.intValue();
    }
    JsonNode root;
    try {
      root = JSON.readTree(Arrays.copyOf(bytes, jsonLength));
    } catch (JacksonException e) {
      throw new BadRequestException(
          "the request is not valid JSON: "
              + e.getOriginalMessage().lines().findFirst().orElse(""));
    }
    if (root == null || !root.isObject()) {
      throw new BadRequestException("the request must be a JSON object with 'inputs'");
    }
    JsonNode inputs = root.get("inputs");
    if (inputs == null || !inputs.isArray() || inputs.size() != 1) {
      throw new BadRequestException(
          "'inputs' must be an array of exactly one tensor (the images); got "
              + (inputs == null || !inputs.isArray() ? "none" : inputs.size()));
    }
    JsonNode input = inputs.get(0);
    String name = text(input, "name");
    String datatype = text(input, "datatype");
    long[] shape = shape(input.get("shape"));
    long count = 1;
    for (long dim : shape) {
      count = dim < 0 || count * Math.max(dim, 1) > maxBytes ? Long.MAX_VALUE / 2 : count * dim;
    }
    double[] values;
    JsonNode binarySize = input.path("parameters").get("binary_data_size");
    if (binarySize != null) {
      values =
          binary(datatype, count, Arrays.copyOfRange(bytes, jsonLength, bytes.length), binarySize);
    } else if (input.has("data")) {
      values = data(datatype, input.get("data"));
    } else {
      throw new BadRequestException(
          "input '" + name + "' has neither 'data' nor parameters.binary_data_size");
    }
    List<RequestedOutput> outputs = new ArrayList<>();
    JsonNode requested = root.get("outputs");
    if (requested != null) {
      if (!requested.isArray()) {
        throw new BadRequestException("'outputs' must be an array of {\"name\": ...}");
      }
      for (JsonNode output : requested) {
        JsonNode binary = output.path("parameters").get("binary_data");
        outputs.add(
            new RequestedOutput(
                text(output, "name"), binary == null ? null : binary.asBoolean(false)));
      }
    }
    JsonNode id = root.get("id");
    return new InferenceRequest(
        id == null || id.isNull() ? null : id.asString(),
        name,
        datatype,
        shape,
        values,
        outputs,
        root.path("parameters").path("binary_data_output").asBoolean(false));
  }

  private static String text(JsonNode node, String field) {
    JsonNode value = node == null ? null : node.get(field);
    if (value == null || !value.isString()) {
      throw new BadRequestException("each tensor needs a string '" + field + "'");
    }
    return value.asString();
  }

  private static long[] shape(JsonNode shape) {
    if (shape == null || !shape.isArray()) {
      throw new BadRequestException("the input tensor needs a 'shape', an array of integers");
    }
    long[] dims = new long[shape.size()];
    for (int i = 0; i < dims.length; i++) {
      if (!shape.get(i).isIntegralNumber() || shape.get(i).asLong() < 0) {
        throw new BadRequestException("shape " + shape + " must hold non-negative integers only");
      }
      dims[i] = shape.get(i).asLong();
    }
    return dims;
  }

  /** Values in JSON, nested as the shape or flattened, row-major. */
  private static double[] data(String datatype, JsonNode data) {
    checkDatatype(datatype);
    List<JsonNode> flat = new ArrayList<>();
    flatten(data, flat, 0);
    double[] values = new double[flat.size()];
    for (int i = 0; i < values.length; i++) {
      JsonNode value = flat.get(i);
      if (!value.isNumber()) {
        throw new BadRequestException("data value " + i + " is not a number: " + value);
      }
      if ("UINT8".equals(datatype) && !value.isIntegralNumber()) {
        throw new BadRequestException("data value " + i + " is not an integer, as UINT8 needs");
      }
      values[i] = value.asDouble();
    }
    return values;
  }

  private static void flatten(JsonNode node, List<JsonNode> into, int depth) {
    if (depth > 8) {
      throw new BadRequestException("'data' is nested deeper than any image tensor");
    }
    if (node.isArray()) {
      for (JsonNode child : node) {
        flatten(child, into, depth + 1);
      }
    } else {
      into.add(node);
    }
  }

  /** Values as the binary tensor extension sends them: little-endian, no padding. */
  private static double[] binary(String datatype, long count, byte[] rest, JsonNode declared) {
    checkDatatype(datatype);
    int width = "FP32".equals(datatype) ? Float.BYTES : 1;
    if (!declared.isIntegralNumber()
        || declared.asLong() != rest.length
        || (long) rest.length != count * width) {
      throw new BadRequestException(
          "binary_data_size is "
              + declared
              + " but the shape needs "
              + count * width
              + " bytes of "
              + datatype
              + " and "
              + rest.length
              + " follow the JSON header");
    }
    double[] values = new double[(int) count];
    ByteBuffer buffer = ByteBuffer.wrap(rest).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < values.length; i++) {
      values[i] = width == 1 ? buffer.get() & 0xFF : buffer.getFloat();
    }
    return values;
  }

  private static void checkDatatype(String datatype) {
    if (!"FP32".equals(datatype) && !"UINT8".equals(datatype)) {
      throw new BadRequestException(
          "datatype " + datatype + " is not supported; send FP32 or UINT8 pixel values 0–255");
    }
  }

  /** A request the protocol answers 400 {@code {"error": ...}}. */
  static final class BadRequestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    BadRequestException(String message) {
      super(message);
    }
  }
}
