package dev.digitlab.ml.model;

import java.util.List;

/**
 * The {@code fast} recipe's network: per channel count a 3×3 convolution (padding 1, no bias: the
 * batch norm's shift replaces it), batch norm, a 2×2 max-pool and ReLU, then flatten and one linear
 * layer to the 10 classes. Small enough to train to 99% on two CPU cores in seconds (see
 * bench/README.md#the-fast-recipe for how it was chosen).
 */
public record FastSpec(List<Integer> channels) implements ModelSpec {

  /** The recipe's channels: 28×28 → 14×14×8 → 7×7×16 → 3×3×64. */
  public static final FastSpec RECIPE = new FastSpec(List.of(8, 16, 64));

  /** Label smoothing of the recipe's loss (PyTorch's {@code label_smoothing}). */
  public static final double LABEL_SMOOTHING = 0.1;

  public FastSpec {
    channels = List.copyOf(channels);
  }

  @Override
  public String name() {
    return "fast";
  }

  /** Side of the last feature map: each block halves it, rounding down. */
  public int finalSide() {
    int side = 28;
    for (int ignored : channels) {
      side /= 2;
    }
    return side;
  }
}
