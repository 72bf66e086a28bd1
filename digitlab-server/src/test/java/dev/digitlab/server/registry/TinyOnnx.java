package dev.digitlab.server.registry;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * Writes a small ONNX model from known weights, the way an outside tool would hand Digit Lab one: a
 * linear classifier {@code y = flatten(x) · W + b}, optionally with a softmax at the end. The
 * protocol-buffers encoding is written here by hand (not with the project's own ONNX writer), so
 * the import is checked against a file Digit Lab did not write.
 */
final class TinyOnnx {

  /** The input's shape, the batch dimension first ({@code -1}: dynamic). */
  final long[] inputShape;

  final int classes;
  final float[] weights; // [784 × classes], row-major
  final float[] bias;
  final boolean softmax;

  TinyOnnx(long[] inputShape, int classes, long seed, boolean softmax) {
    this.inputShape = inputShape;
    this.classes = classes;
    this.softmax = softmax;
    SplittableRandom random = new SplittableRandom(seed);
    weights = new float[784 * classes];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = (float) (random.nextDouble() - 0.5) * 0.2f;
    }
    bias = new float[classes];
    for (int i = 0; i < classes; i++) {
      bias[i] = (float) (random.nextDouble() - 0.5);
    }
  }

  /** The logits this model computes for one image whose pixels were scaled to {@code x}. */
  float[] logits(float[] x) {
    float[] out = bias.clone();
    for (int p = 0; p < 784; p++) {
      for (int c = 0; c < classes; c++) {
        out[c] += x[p] * weights[p * classes + c];
      }
    }
    return out;
  }

  byte[] bytes() {
    Proto graph = new Proto();
    String x = "x";
    if (inputShape.length != 2) {
      graph.message(1, node("Flatten", "flat", new String[] {x}, intAttribute("axis", 1)));
      x = "flat";
    }
    graph.message(1, node("MatMul", "scores", new String[] {x, "W"}));
    graph.message(1, node("Add", softmax ? "logits" : "y", new String[] {"scores", "b"}));
    if (softmax) {
      graph.message(1, node("Softmax", "y", new String[] {"logits"}, intAttribute("axis", 1)));
    }
    graph.string(2, "tiny-linear");
    graph.message(5, tensor("W", weights, 784, classes));
    graph.message(5, tensor("b", bias, classes));
    graph.message(11, valueInfo("x", inputShape));
    graph.message(12, valueInfo("y", new long[] {inputShape.length == 1 ? 1 : -1, classes}));
    Proto model = new Proto();
    model.varint(1, 8); // ir_version
    model.string(2, "a test");
    model.message(7, graph);
    model.message(8, new Proto().string(1, "").varint(2, 13)); // opset 13
    return model.out.toByteArray();
  }

  private static Proto node(String op, String output, String[] inputs, Proto... attributes) {
    Proto node = new Proto();
    for (String input : inputs) {
      node.string(1, input);
    }
    node.string(2, output).string(3, output).string(4, op);
    for (Proto attribute : attributes) {
      node.message(5, attribute);
    }
    return node;
  }

  private static Proto intAttribute(String name, long value) {
    return new Proto().string(1, name).varint(3, value).varint(20, 2);
  }

  private static Proto tensor(String name, float[] values, long... dims) {
    Proto tensor = new Proto();
    for (long dim : dims) {
      tensor.varint(1, dim);
    }
    ByteBuffer raw = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    raw.asFloatBuffer().put(values);
    return tensor.varint(2, 1).string(8, name).bytes(9, raw.array());
  }

  private static Proto valueInfo(String name, long[] dims) {
    Proto shape = new Proto();
    for (long dim : dims) {
      shape.message(1, dim < 0 ? new Proto().string(2, "N") : new Proto().varint(1, dim));
    }
    Proto tensorType = new Proto().varint(1, 1).message(2, shape);
    return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
  }

  /** The protocol-buffers field encodings an ONNX file needs. */
  private static final class Proto {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Proto varint(int field, long value) {
      raw(((long) field << 3));
      raw(value);
      return this;
    }

    Proto string(int field, String value) {
      return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    Proto bytes(int field, byte[] value) {
      raw(((long) field << 3) | 2);
      raw(value.length);
      out.writeBytes(value);
      return this;
    }

    Proto message(int field, Proto message) {
      return bytes(field, message.out.toByteArray());
    }

    private void raw(long value) {
      while ((value & ~0x7FL) != 0) {
        out.write((int) ((value & 0x7F) | 0x80));
        value >>>= 7;
      }
      out.write((int) value);
    }
  }
}
