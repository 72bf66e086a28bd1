package dev.digitlab.ml.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;

/** Builds the DJL network that a {@link ModelSpec} describes. */
public final class NetworkBuilder {

  private NetworkBuilder() {}

  /** A new, uninitialised network for {@code spec}; input shape is (batch, 1, 28, 28). */
  public static Block build(ModelSpec spec) {
    return switch (spec) {
      case MlpSpec mlp -> mlp(mlp);
      case CnnSpec cnn -> cnn(cnn);
      case LeNet5Spec ignored -> lenet5();
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
    for (int filters : spec.channels()) {
      net.add(conv(filters, 3, 0));
      if (spec.batchNorm()) {
        net.add(BatchNorm.builder().build());
      }
      net.add(activation(spec.activation()));
    }
    net.add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2))).add(Blocks.batchFlattenBlock());
    addDropout(net, spec.dropout());
    net.add(linear(spec.denseUnits())).add(activation(spec.activation()));
    addDropout(net, spec.dropout());
    return net.add(linear(ModelSpec.CLASSES));
  }

  private static Block lenet5() {
    Shape two = new Shape(2, 2);
    return new SequentialBlock()
        .add(conv(6, 5, 2))
        .add(activation(Activation.RELU))
        .add(Pool.maxPool2dBlock(two, two))
        .add(conv(16, 5, 0))
        .add(activation(Activation.RELU))
        .add(Pool.maxPool2dBlock(two, two))
        .add(Blocks.batchFlattenBlock())
        .add(linear(120))
        .add(activation(Activation.RELU))
        .add(linear(84))
        .add(activation(Activation.RELU))
        .add(linear(ModelSpec.CLASSES));
  }

  private static Block linear(int units) {
    return Linear.builder().setUnits(units).build();
  }

  private static Block conv(int filters, int kernel, int padding) {
    return Conv2d.builder()
        .setFilters(filters)
        .setKernelShape(new Shape(kernel, kernel))
        .optPadding(new Shape(padding, padding))
        .build();
  }

  private static Block activation(Activation activation) {
    return switch (activation) {
      case RELU -> ai.djl.nn.Activation.reluBlock();
      case TANH -> ai.djl.nn.Activation.tanhBlock();
      case SIGMOID -> ai.djl.nn.Activation.sigmoidBlock();
      case GELU -> ai.djl.nn.Activation.geluBlock();
    };
  }

  private static void addDropout(SequentialBlock net, double rate) {
    if (rate > 0) {
      net.add(Dropout.builder().optRate((float) rate).build());
    }
  }
}
