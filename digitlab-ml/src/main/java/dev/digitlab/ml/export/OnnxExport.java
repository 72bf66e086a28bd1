package dev.digitlab.ml.export;

import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.model.CnnSpec;
import dev.digitlab.ml.model.FastSpec;
import dev.digitlab.ml.model.LeNet5Spec;
import dev.digitlab.ml.model.MlpSpec;
import dev.digitlab.ml.train.TrainedModel;
import dev.digitlab.ml.train.TrainedModel.Weights;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * Writes a trained MLP, CNN, LeNet-5 or fast-recipe CNN as an ONNX model (opset 13): input {@code
 * pixels}, float [N, 1, 28, 28] with raw pixel values 0–255 (the graph normalises them as training
 * did), output {@code logits}, float [N, 10]. The graph is rebuilt from the model's spec the way
 * {@code NetworkBuilder} builds the DJL network, and the parameters are taken in the network's
 * order; dropout is left out (inference). DJL cannot export ONNX, hence this writer.
 */
public final class OnnxExport {

  /** Training's input normalisation (see {@code BatchFeeder}). */
  static final float MEAN = 0.1307f;

  static final float STD = 0.3081f;

  private static final int FLOAT = 1;
  private static final int ATTRIBUTE_FLOAT = 1;
  private static final int ATTRIBUTE_INT = 2;
  private static final int ATTRIBUTE_INTS = 7;

  private final ProtoWriter graph = new ProtoWriter();
  private final Deque<Weights> parameters;
  private int counter;

  private OnnxExport(List<Weights> parameters) {
    this.parameters = new ArrayDeque<>(parameters);
  }

  /** Reads {@code modelFile} and writes its ONNX form to {@code onnxFile}. */
  public static void export(Path modelFile, Path onnxFile) throws IOException {
    Files.write(onnxFile, toOnnx(TrainedModel.read(modelFile)));
  }

  /** The ONNX model's bytes. */
  public static byte[] toOnnx(TrainedModel model) {
    OnnxExport export = new OnnxExport(model.parameters());
    String x = export.normalise("pixels");
    String logits =
        switch (model.modelSpec()) {
          case MlpSpec mlp -> export.mlp(mlp, x);
          case CnnSpec cnn -> export.cnn(cnn, x);
          case LeNet5Spec ignored -> export.lenet5(x);
          case FastSpec fast -> export.fast(fast, x);
        };
    export.node("Identity", List.of(logits), "logits", new ProtoWriter[0]);
    if (!export.parameters.isEmpty()) {
      throw new IllegalStateException(
          "parameters left over after the graph: " + export.parameters.peek().name());
    }
    export.graph.string(
        2, "digitlab-" + model.config().model().name().toLowerCase(java.util.Locale.ROOT));
    export.graph.message(11, valueInfo("pixels", 1, 28, 28));
    export.graph.message(12, valueInfo("logits", 10));
    ProtoWriter onnx = new ProtoWriter();
    onnx.varint(1, 8); // ir_version
    onnx.string(2, "digitlab");
    onnx.message(7, export.graph);
    onnx.message(8, new ProtoWriter().string(1, "").varint(2, 13)); // opset_import
    return onnx.toByteArray();
  }

  private String mlp(MlpSpec spec, String x) {
    String h = node("Flatten", List.of(x), null, intAttribute("axis", 1));
    for (int ignored : spec.hiddenSizes()) {
      h = activation(spec.activation(), linear(h));
    }
    return linear(h);
  }

  private String cnn(CnnSpec spec, String x) {
    String h = x;
    for (int ignored : spec.channels()) {
      h = conv(h, 3, 0);
      if (spec.batchNorm()) {
        h = batchNorm(h);
      }
      h = activation(spec.activation(), h);
    }
    h = maxPool(h);
    h = node("Flatten", List.of(h), null, intAttribute("axis", 1));
    h = activation(spec.activation(), linear(h));
    return linear(h);
  }

  private String lenet5(String x) {
    String h = maxPool(activation(Activation.RELU, conv(x, 5, 2)));
    h = maxPool(activation(Activation.RELU, conv(h, 5, 0)));
    h = node("Flatten", List.of(h), null, intAttribute("axis", 1));
    h = activation(Activation.RELU, linear(h));
    h = activation(Activation.RELU, linear(h));
    return linear(h);
  }

  private String fast(FastSpec spec, String x) {
    String h = x;
    for (int ignored : spec.channels()) {
      String convolved = conv(h, 3, 1, false);
      h =
          activation(
              Activation.RELU,
              spec.poolBeforeNorm()
                  ? batchNorm(maxPool(convolved))
                  : maxPool(batchNorm(convolved)));
    }
    h = node("Flatten", List.of(h), null, intAttribute("axis", 1));
    return linear(h);
  }

  private String normalise(String pixels) {
    String scaled = node("Div", List.of(pixels, constant(255f)), null);
    String centred = node("Sub", List.of(scaled, constant(MEAN)), null);
    return node("Div", List.of(centred, constant(STD)), null);
  }

  private String linear(String x) {
    String weight = initializer(next("Linear_weight"));
    String bias = initializer(next("Linear_bias"));
    return node("Gemm", List.of(x, weight, bias), null, intAttribute("transB", 1));
  }

  private String conv(String x, int kernel, int padding) {
    return conv(x, kernel, padding, true);
  }

  private String conv(String x, int kernel, int padding, boolean withBias) {
    String weight = initializer(next("Conv2d_weight"));
    List<String> inputs =
        withBias ? List.of(x, weight, initializer(next("Conv2d_bias"))) : List.of(x, weight);
    return node(
        "Conv",
        inputs,
        null,
        intsAttribute("kernel_shape", kernel, kernel),
        intsAttribute("pads", padding, padding, padding, padding),
        intsAttribute("strides", 1, 1));
  }

  private String batchNorm(String x) {
    String gamma = initializer(next("gamma"));
    String beta = initializer(next("beta"));
    String mean = initializer(next("runningMean"));
    String variance = initializer(next("runningVar"));
    return node(
        "BatchNormalization",
        List.of(x, gamma, beta, mean, variance),
        null,
        floatAttribute("epsilon", 1e-5f));
  }

  private String maxPool(String x) {
    return node(
        "MaxPool",
        List.of(x),
        null,
        intsAttribute("kernel_shape", 2, 2),
        intsAttribute("strides", 2, 2));
  }

  private String activation(Activation activation, String x) {
    return switch (activation) {
      case RELU -> node("Relu", List.of(x), null);
      case TANH -> node("Tanh", List.of(x), null);
      case SIGMOID -> node("Sigmoid", List.of(x), null);
      // PyTorch's exact GELU: x * 0.5 * (1 + erf(x / sqrt 2)); ONNX has Gelu only from opset 20.
      case GELU -> {
        String erf =
            node(
                "Erf",
                List.of(node("Div", List.of(x, constant((float) Math.sqrt(2))), null)),
                null);
        String onePlus = node("Add", List.of(erf, constant(1f)), null);
        yield node("Mul", List.of(node("Mul", List.of(x, onePlus), null), constant(0.5f)), null);
      }
    };
  }

  private Weights next(String suffix) {
    Weights weights = parameters.poll();
    if (weights == null || !weights.name().endsWith(suffix)) {
      throw new IllegalStateException(
          "expected a parameter ending in "
              + suffix
              + ", found "
              + (weights == null ? "none" : weights.name()));
    }
    return weights;
  }

  private String initializer(Weights weights) {
    ProtoWriter tensor = new ProtoWriter();
    for (long dim : weights.shape()) {
      tensor.varint(1, dim);
    }
    tensor.varint(2, FLOAT);
    tensor.string(8, weights.name());
    tensor.bytes(9, ProtoWriter.littleEndian(weights.values()));
    graph.message(5, tensor);
    return weights.name();
  }

  private String constant(float value) {
    String name = "const_" + counter++;
    ProtoWriter tensor = new ProtoWriter();
    tensor.varint(2, FLOAT);
    tensor.string(8, name);
    tensor.bytes(9, ProtoWriter.littleEndian(new float[] {value}));
    graph.message(5, tensor);
    return name;
  }

  private String node(String op, List<String> inputs, String output, ProtoWriter... attributes) {
    String name = output != null ? output : op.toLowerCase(java.util.Locale.ROOT) + "_" + counter++;
    ProtoWriter node = new ProtoWriter();
    inputs.forEach(input -> node.string(1, input));
    node.string(2, name);
    node.string(3, name);
    node.string(4, op);
    for (ProtoWriter attribute : attributes) {
      node.message(5, attribute);
    }
    graph.message(1, node);
    return name;
  }

  private static ProtoWriter intAttribute(String name, long value) {
    return new ProtoWriter().string(1, name).varint(3, value).varint(20, ATTRIBUTE_INT);
  }

  private static ProtoWriter floatAttribute(String name, float value) {
    return new ProtoWriter().string(1, name).float32(2, value).varint(20, ATTRIBUTE_FLOAT);
  }

  private static ProtoWriter intsAttribute(String name, long... values) {
    ProtoWriter attribute = new ProtoWriter().string(1, name);
    for (long value : values) {
      attribute.varint(8, value);
    }
    return attribute.varint(20, ATTRIBUTE_INTS);
  }

  /** A float tensor's name and shape, its first dimension the batch ({@code N}). */
  private static ProtoWriter valueInfo(String name, long... dims) {
    ProtoWriter shape = new ProtoWriter().message(1, new ProtoWriter().string(2, "N"));
    for (long dim : dims) {
      shape.message(1, new ProtoWriter().varint(1, dim));
    }
    ProtoWriter tensor = new ProtoWriter().varint(1, FLOAT).message(2, shape);
    return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensor));
  }
}
