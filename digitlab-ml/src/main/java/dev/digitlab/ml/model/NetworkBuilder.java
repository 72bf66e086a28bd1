package dev.digitlab.ml.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.pooling.Pool;
import java.util.List;

/** Builds the DJL network that a {@link ModelSpec} describes. */
public final class NetworkBuilder {

  private NetworkBuilder() {}

  /**
   * Whether the network runs faster on channels-last inputs: the convolutional ones do (oneDNN and
   * libtorch's max-pool are faster in NHWC); an MLP only flattens its input.
   */
  public static boolean prefersChannelsLast(ModelSpec spec) {
    return !(spec instanceof MlpSpec);
  }

  /** A new, uninitialised network for {@code spec}; input shape is (batch, 1, 28, 28). */
  public static Block build(ModelSpec spec) {
    return switch (spec) {
      case MlpSpec mlp -> mlp(mlp);
      case CnnSpec cnn -> cnn(cnn);
      case LeNet5Spec ignored -> lenet5();
      case FastSpec fast -> fast(fast);
    };
  }

  private static Block mlp(MlpSpec spec) {
    SequentialBlock net = new SequentialBlock().add(Blocks.batchFlattenBlock());
    for (int units : spec.hiddenSizes()) {
      net.add(linear(units)).add(activation(spec.activation()));
      addDropout(net, spec.dropout());
    }
    return net.add(linear(ModelSpec.CLASSES));
  }

  private static Block cnn(CnnSpec spec) {
    SequentialBlock net = new SequentialBlock();
    List<Integer> channels = spec.channels();
    for (int i = 0; i < channels.size(); i++) {
      net.add(conv(channels.get(i), 3, 0));
      if (spec.batchNorm()) {
        net.add(BatchNorm.builder().build());
      }
      if (i == channels.size() - 1) {
        activationAndPool(net, spec.activation());
      } else {
        net.add(activation(spec.activation()));
      }
    }
    net.add(Blocks.batchFlattenBlock());
    addDropout(net, spec.dropout());
    net.add(linear(spec.denseUnits())).add(activation(spec.activation()));
    addDropout(net, spec.dropout());
    return net.add(linear(ModelSpec.CLASSES));
  }

  private static Block lenet5() {
    SequentialBlock net = new SequentialBlock().add(conv(6, 5, 2));
    activationAndPool(net, Activation.RELU);
    net.add(conv(16, 5, 0));
    activationAndPool(net, Activation.RELU);
    return net.add(Blocks.batchFlattenBlock())
        .add(linear(120))
        .add(activation(Activation.RELU))
        .add(linear(84))
        .add(activation(Activation.RELU))
        .add(linear(ModelSpec.CLASSES));
  }

  private static Block fast(FastSpec spec) {
    SequentialBlock net = new SequentialBlock();
    for (int channels : spec.channels()) {
      // No convolution bias, as batch norm follows. Pool before ReLU, as in activationAndPool;
      // pooling before the norm too is the recipe's choice (FastSpec), not an identity.
      net.add(
          Conv2d.builder()
              .setFilters(channels)
              .setKernelShape(new Shape(3, 3))
              .optPadding(new Shape(1, 1))
              .optBias(false)
              .build());
      if (spec.poolBeforeNorm()) {
        net.add(maxPool2x2()).add(BatchNorm.builder().build());
      } else {
        net.add(BatchNorm.builder().build()).add(maxPool2x2());
      }
      net.add(activation(Activation.RELU));
    }
    return net.add(Blocks.batchFlattenBlock()).add(linear(ModelSpec.CLASSES));
  }

  /**
   * An activation followed by a 2×2 max-pool. For ReLU the pool goes first: max and ReLU commute
   * exactly (ReLU never decreases), values and gradients included, and ReLU then runs on a quarter
   * of the elements. GELU dips below zero, so it does not commute and keeps its place; tanh and
   * sigmoid keep theirs too, as rounding could break their monotonicity in the last bit. Both
   * orders store the same parameters, so models saved in either load in both.
   */
  private static void activationAndPool(SequentialBlock net, Activation activation) {
    Block pool = maxPool2x2();
    if (activation == Activation.RELU) {
      net.add(pool).add(activation(activation));
    } else {
      net.add(activation(activation)).add(pool);
    }
  }

  static Block maxPool2x2() {
    return Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2));
  }

  static Block linear(int units) {
    return Linear.builder().setUnits(units).build();
  }

  static Block conv(int filters, int kernel, int padding) {
    return Conv2d.builder()
        .setFilters(filters)
        .setKernelShape(new Shape(kernel, kernel))
        .optPadding(new Shape(padding, padding))
        .build();
  }

  static Block activation(Activation activation) {
    return switch (activation) {
      case RELU -> ai.djl.nn.Activation.reluBlock();
      case TANH -> ai.djl.nn.Activation.tanhBlock();
      case SIGMOID -> ai.djl.nn.Activation.sigmoidBlock();
      case GELU -> ai.djl.nn.Activation.geluBlock();
    };
  }

  private static void addDropout(SequentialBlock net, double rate) {
    if (rate > 0) {
      // Its place in the network tells the layers' masks apart.
      net.add(new SeededDropout((float) rate, net.getChildren().size()));
    }
  }
}
