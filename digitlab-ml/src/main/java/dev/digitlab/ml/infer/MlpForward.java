package dev.digitlab.ml.infer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.model.MlpSpec;
import dev.digitlab.ml.model.ModelSpec;
import dev.digitlab.ml.train.PixelNormalisation;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The forward pass of an MLP ({@link MlpSpec}, as {@code NetworkBuilder} builds it) in plain Java
 * over float arrays, for single images and small batches.
 *
 * <p>Why: for one 28×28 image an MLP is ~0.25 M multiply-adds, a few tens of microseconds, while a
 * DJL/libtorch call costs ~1 ms in per-call overhead (JNI, NDArray bookkeeping, intra-op threads
 * for a batch of one). The weights are copied once from the loaded DJL parameters, transposed to
 * {@code [in][out]} so that the inner loop ({@code out[j] += x[i] * w[i][j]}) runs over contiguous
 * memory and the JIT can vectorise it. Dropout is the identity at inference, so it has no step
 * here. The answers equal DJL's to float rounding (see the tests).
 *
 * <p>Immutable after construction, so one instance serves concurrent calls.
 */
final class MlpForward {

  private final List<Dense> layers;
  private final Activation activation;

  /**
   * The first layer's bias plus its weights times the input of a blank (0) pixel, summed in double:
   * the first layer's output for an all-background image. A digit then only adds its inked pixels'
   * rows ({@code (x_i − x_blank) · w[i]}), about a fifth of MNIST's 784, which cuts the largest
   * layer's work and memory traffic by that much; the sum is the same up to float rounding.
   */
  private final float[] blankFirstLayer;

  /** One linear layer: {@code out = x · weights + bias}, weights {@code [in][out]} row-major. */
  private record Dense(int in, int out, float[] weights, float[] bias) {}

  private MlpForward(List<Dense> layers, Activation activation) {
    this.layers = layers;
    this.activation = activation;
    Dense first = layers.getFirst();
    float blank = PixelNormalisation.of((byte) 0);
    this.blankFirstLayer = new float[first.out()];
    for (int j = 0; j < first.out(); j++) {
      double sum = first.bias()[j];
      for (int i = 0; i < first.in(); i++) {
        sum += (double) blank * first.weights()[i * first.out() + j];
      }
      blankFirstLayer[j] = (float) sum;
    }
  }

  /**
   * The Java forward pass of {@code block}, a loaded network built for {@code spec}; empty when the
   * spec is not an MLP or the block is not laid out as expected (the caller then keeps DJL).
   */
  static Optional<MlpForward> of(ModelSpec spec, Block block) {
    if (!(spec instanceof MlpSpec mlp)) {
      return Optional.empty();
    }
    List<Dense> layers = new ArrayList<>();
    int in = Classifier.PIXELS;
    for (Block child : block.getChildren().values()) {
      if (!(child instanceof Linear linear)) {
        continue; // flatten, activations, dropout: the spec says what they are
      }
      NDArray weight = linear.getParameters().get("weight").getArray();
      NDArray bias = linear.getParameters().get("bias").getArray();
      Shape shape = weight.getShape();
      if (shape.dimension() != 2 || shape.get(1) != in || bias.getShape().size() != shape.get(0)) {
        return Optional.empty();
      }
      int out = (int) shape.get(0);
      layers.add(
          new Dense(in, out, transpose(weight.toFloatArray(), out, in), bias.toFloatArray()));
      in = out;
    }
    if (layers.size() != mlp.hiddenSizes().size() + 1 || in != ModelSpec.CLASSES) {
      return Optional.empty();
    }
    return Optional.of(new MlpForward(List.copyOf(layers), mlp.activation()));
  }

  /**
   * The {@link ModelSpec#CLASSES} logits for one image of {@link Classifier#PIXELS} unsigned bytes,
   * normalised as in training ({@link PixelNormalisation}).
   */
  float[] logits(byte[] image) {
    Dense first = layers.getFirst();
    float[] x = blankFirstLayer.clone();
    float blank = PixelNormalisation.of((byte) 0);
    for (int i = 0; i < first.in(); i++) {
      if (image[i] != 0) {
        axpy(PixelNormalisation.of(image[i]) - blank, first.weights(), i * first.out(), x);
      }
    }
    for (int l = 1; l < layers.size(); l++) {
      activate(x);
      Dense layer = layers.get(l);
      float[] y = layer.bias().clone();
      for (int i = 0; i < layer.in(); i++) {
        axpy(x[i], layer.weights(), i * layer.out(), y);
      }
      x = y;
    }
    return x;
  }

  /** {@code y += a · w[offset .. offset + y.length)}: a loop the JIT vectorises. */
  private static void axpy(float a, float[] w, int offset, float[] y) {
    for (int j = 0; j < y.length; j++) {
      y[j] += a * w[offset + j];
    }
  }

  private void activate(float[] values) {
    switch (activation) {
      case RELU -> {
        for (int j = 0; j < values.length; j++) {
          values[j] = Math.max(values[j], 0f);
        }
      }
      case TANH -> {
        for (int j = 0; j < values.length; j++) {
          values[j] = (float) Math.tanh(values[j]);
        }
      }
      case SIGMOID -> {
        for (int j = 0; j < values.length; j++) {
          values[j] = (float) (1 / (1 + Math.exp(-(double) values[j])));
        }
      }
      case GELU -> {
        // libtorch's default (exact) GELU: x · Φ(x) = x/2 · erfc(−x/√2).
        for (int j = 0; j < values.length; j++) {
          double x = values[j];
          values[j] = (float) (0.5 * x * erfc(-x / Math.sqrt(2)));
        }
      }
    }
  }

  /**
   * The complementary error function, relative error below 1.2e-7 everywhere (Chebyshev fit from
   * Numerical Recipes, 2nd ed., §6.2): below float precision, which is all a float network needs.
   */
  static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double poly = 0;
    for (int k = ERFC.length - 1; k >= 0; k--) {
      poly = poly * t + ERFC[k];
    }
    double r = t * Math.exp(-z * z + poly);
    return x >= 0 ? r : 2 - r;
  }

  /** Coefficients of the polynomial in t in {@link #erfc}, lowest power first. */
  private static final double[] ERFC = {
    -1.26551223, 1.00002368, 0.37409196, 0.09678418, -0.18628806,
    0.27886807, -1.13520398, 1.48851587, -0.82215223, 0.17087277
  };

  /** {@code [rows][cols]} row-major to {@code [cols][rows]} row-major. */
  private static float[] transpose(float[] m, int rows, int cols) {
    float[] t = new float[m.length];
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < cols; c++) {
        t[c * rows + r] = m[r * cols + c];
      }
    }
    return t;
  }
}
