package dev.digitlab.ml.model;

import java.util.List;
import java.util.Objects;

/**
 * Convolutional network: per channel count a 3×3 convolution (optionally batch-normalised) and the
 * activation, one 2×2 max-pool, flatten, dropout, a dense layer, the activation, dropout, and a
 * linear layer to the 10 classes.
 */
public record CnnSpec(
    List<Integer> channels,
    int denseUnits,
    Activation activation,
    boolean batchNorm,
    double dropout)
    implements ModelSpec {

  /** The {@code cnn} benchmark recipe: conv 32, conv 64, max-pool, dense 128, ReLU. */
  public static final CnnSpec RECIPE = new CnnSpec(List.of(32, 64), 128, Activation.RELU, false, 0);

  public CnnSpec {
    channels = List.copyOf(channels);
    Objects.requireNonNull(activation, "activation");
  }

  @Override
  public String name() {
    return "cnn";
  }

  /** Side of the feature map after the convolutions (no padding) and the 2×2 pool. */
  public int pooledSide() {
    return (28 - 2 * channels.size()) / 2;
  }
}
