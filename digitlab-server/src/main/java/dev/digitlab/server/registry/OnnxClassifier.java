package dev.digitlab.server.registry;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.infer.DigitClassifier;
import dev.digitlab.ml.infer.Prediction;
import dev.digitlab.server.api.InvalidParameterException;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An ONNX model from outside Digit Lab, answered by ONNX Runtime: one float input of {@code
 * [N,1,28,28]}, {@code [N,28,28]}, {@code [N,784]} (N dynamic or 1) or {@code [784]}, and a float
 * output of {@code [N,10]} (or {@code [10]}). The shapes are checked when the file is loaded, so a
 * model of another shape is refused with the shape found, before anything is stored.
 *
 * <p>Thread-safe: ONNX Runtime sessions may be run concurrently.
 */
public final class OnnxClassifier implements DigitClassifier {

  private static final int CLASSES = 10;

  /** What pixel values the model was trained on; Digit Lab's images are 0–255, ink white. */
  public enum PixelScale {
    /** Raw 0–255 values, as Digit Lab's own ONNX exports take them. */
    RAW("0-255"),
    /** 0–1: the raw value / 255 (torchvision's {@code ToTensor}). */
    UNIT("0-1"),
    /** (value / 255 − 0.1307) / 0.3081: the usual PyTorch MNIST normalisation. */
    MNIST("mnist");

    private final String label;

    PixelScale(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }

    float apply(int pixel) {
      return switch (this) {
        case RAW -> pixel;
        case UNIT -> pixel / 255f;
        case MNIST -> (pixel / 255f - 0.1307f) / 0.3081f;
      };
    }

    /**
     * @throws InvalidParameterException when {@code label} names no scale
     */
    public static PixelScale of(String label) {
      for (PixelScale scale : values()) {
        if (scale.label.equals(label)) {
          return scale;
        }
      }
      throw new InvalidParameterException(
          "pixels", "is 0-255, 0-1 or mnist (what the model's input expects); got '" + label + "'");
    }
  }

  /** What the model's output holds. */
  public enum Outputs {
    /** Scores to softmax (Digit Lab's own exports answer logits). */
    LOGITS,
    /** Probabilities already (a softmax at the end of the graph). */
    PROBABILITIES;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @throws InvalidParameterException when {@code label} names no kind
     */
    public static Outputs of(String label) {
      for (Outputs outputs : values()) {
        if (outputs.label().equals(label)) {
          return outputs;
        }
      }
      throw new InvalidParameterException(
          "outputs", "is logits or probabilities; got '" + label + "'");
    }
  }

  /** The graph's input and output as found, for the version's record. */
  public record Signature(String input, long[] inputShape, String output, long[] outputShape) {}

  private final OrtEnvironment environment;
  private final OrtSession session;
  private final Signature signature;
  private final PixelScale scale;
  private final Outputs outputs;

  private OnnxClassifier(
      OrtEnvironment environment,
      OrtSession session,
      Signature signature,
      PixelScale scale,
      Outputs outputs) {
    this.environment = environment;
    this.session = session;
    this.signature = signature;
    this.scale = scale;
    this.outputs = outputs;
  }

  /**
   * Loads an ONNX model and checks that it is a digit classifier Digit Lab can serve.
   *
   * @throws InvalidParameterException (400, parameter {@code file}) when ONNX Runtime cannot load
   *     the bytes or the model's input or output has another shape; the message says what was found
   */
  public static OnnxClassifier load(byte[] onnx, PixelScale scale, Outputs outputs) {
    OrtEnvironment environment = OrtEnvironment.getEnvironment();
    OrtSession session;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      session = environment.createSession(onnx, options);
    } catch (OrtException | RuntimeException e) {
      throw new InvalidParameterException(
          "file", "is not an ONNX model ONNX Runtime can load: " + firstLine(e.getMessage()));
    }
    try {
      Signature signature = signature(session);
      return new OnnxClassifier(environment, session, signature, scale, outputs);
    } catch (InvalidParameterException | OrtException e) {
      closeQuietly(session);
      if (e instanceof InvalidParameterException invalid) {
        throw invalid;
      }
      throw new InvalidParameterException(
          "file", "cannot be inspected by ONNX Runtime: " + firstLine(e.getMessage()));
    }
  }

  public Signature signature() {
    return signature;
  }

  public PixelScale scale() {
    return scale;
  }

  public Outputs outputs() {
    return outputs;
  }

  private static Signature signature(OrtSession session) throws OrtException {
    Map<String, NodeInfo> inputs = session.getInputInfo();
    if (inputs.size() != 1) {
      throw wrongShape("has " + inputs.size() + " inputs (" + describe(inputs) + "); expected one");
    }
    NodeInfo input = inputs.values().iterator().next();
    long[] inputShape = floatShape(input);
    if (inputShape == null || !acceptedInput(inputShape)) {
      throw wrongShape("takes " + describe(inputs) + " as input");
    }
    Map<String, NodeInfo> outputMap = session.getOutputInfo();
    for (NodeInfo output : outputMap.values()) {
      long[] shape = floatShape(output);
      if (shape != null && acceptedOutput(shape)) {
        return new Signature(input.getName(), inputShape, output.getName(), shape);
      }
    }
    throw wrongShape("answers " + describe(outputMap));
  }

  private static InvalidParameterException wrongShape(String found) {
    return new InvalidParameterException(
        "file",
        "the model "
            + found
            + "; Digit Lab serves digit classifiers with one float input of shape [N,1,28,28],"
            + " [N,28,28] or [N,784] (N dynamic or 1) and a float output of shape [N,10]");
  }

  /** The shape of a float tensor, or null when the node is something else. */
  private static long[] floatShape(NodeInfo node) {
    if (node.getInfo() instanceof TensorInfo tensor && tensor.type == OnnxJavaType.FLOAT) {
      return tensor.getShape();
    }
    return null;
  }

  private static boolean acceptedInput(long[] shape) {
    return switch (shape.length) {
      case 1 -> shape[0] == Classifier.PIXELS;
      case 2 -> batch(shape[0]) && shape[1] == Classifier.PIXELS;
      case 3 -> batch(shape[0]) && shape[1] == Classifier.SIDE && shape[2] == Classifier.SIDE;
      case 4 ->
          batch(shape[0])
              && shape[1] == 1
              && shape[2] == Classifier.SIDE
              && shape[3] == Classifier.SIDE;
      default -> false;
    };
  }

  private static boolean acceptedOutput(long[] shape) {
    return switch (shape.length) {
      case 1 -> shape[0] == CLASSES;
      case 2 -> batch(shape[0]) && shape[1] == CLASSES;
      default -> false;
    };
  }

  /** A batch dimension: dynamic (-1, or a symbolic name ONNX Runtime reports as -1) or 1. */
  private static boolean batch(long dim) {
    return dim == -1 || dim == 1;
  }

  /** Whether the graph takes a whole batch at once; else images go one by one. */
  private boolean batched() {
    return signature.inputShape().length > 1 && signature.inputShape()[0] == -1;
  }

  private static String describe(Map<String, NodeInfo> nodes) {
    return nodes.values().stream()
        .map(
            node ->
                "'"
                    + node.getName()
                    + "' "
                    + (node.getInfo() instanceof TensorInfo tensor
                        ? tensor.type.name().toLowerCase(Locale.ROOT)
                            + Arrays.toString(tensor.getShape()).replace(" ", "")
                        : node.getInfo().toString()))
        .collect(Collectors.joining(", "));
  }

  @Override
  public List<Prediction> predict(List<byte[]> images) {
    for (int i = 0; i < images.size(); i++) {
      if (images.get(i).length != Classifier.PIXELS) {
        throw new IllegalArgumentException(
            "image "
                + i
                + " has "
                + images.get(i).length
                + " pixels; expected "
                + Classifier.PIXELS);
      }
    }
    List<Prediction> predictions = new ArrayList<>(images.size());
    if (images.isEmpty()) {
      return predictions;
    }
    if (batched()) {
      run(images, predictions);
    } else {
      for (byte[] image : images) {
        run(List.of(image), predictions);
      }
    }
    return predictions;
  }

  private void run(List<byte[]> images, List<Prediction> predictions) {
    int n = images.size();
    float[] pixels = new float[n * Classifier.PIXELS];
    for (int i = 0; i < n; i++) {
      byte[] image = images.get(i);
      for (int p = 0; p < Classifier.PIXELS; p++) {
        pixels[i * Classifier.PIXELS + p] = scale.apply(image[p] & 0xFF);
      }
    }
    long[] shape = signature.inputShape().clone();
    if (shape.length > 1) {
      shape[0] = n;
    }
    try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(pixels), shape);
        OrtSession.Result result =
            session.run(Map.of(signature.input(), input), java.util.Set.of(signature.output()))) {
      OnnxTensor output = (OnnxTensor) result.get(signature.output()).orElseThrow();
      FloatBuffer buffer = output.getFloatBuffer();
      float[] values = new float[buffer.remaining()];
      buffer.get(values);
      if (values.length != n * CLASSES) {
        throw new IllegalStateException(
            "the ONNX model answered "
                + values.length
                + " values for "
                + n
                + " image(s); expected "
                + n * CLASSES);
      }
      for (int i = 0; i < n; i++) {
        float[] probabilities =
            outputs == Outputs.LOGITS
                ? Probabilities.softmax(values, i * CLASSES, CLASSES)
                : Arrays.copyOfRange(values, i * CLASSES, (i + 1) * CLASSES);
        predictions.add(
            new Prediction(Probabilities.argmax(probabilities, 0, CLASSES), probabilities));
      }
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed to run the model: " + e.getMessage(), e);
    }
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no reason given";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  private static void closeQuietly(OrtSession session) {
    try {
      session.close();
    } catch (OrtException ignored) {
      // closing a session that failed inspection: nothing more to do
    }
  }

  @Override
  public void close() {
    closeQuietly(session);
  }
}
