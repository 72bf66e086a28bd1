package dev.digitlab.ml.model;

import java.util.List;

/**
 * The {@code fast} recipe's network: per channel count a 3×3 convolution (padding 1, no bias: the
 * batch norm's shift replaces it), a 2×2 max-pool, batch norm and ReLU, then flatten and one linear
 * layer to the 10 classes. Small enough to train to 99% on two CPU cores in seconds (see
 * bench/README.md#the-fast-recipe for how it was chosen).
 *
 * @param poolBeforeNorm whether each block pools before its batch norm, so the norm's passes run on
 *     a quarter of the elements (the recipe: a step a quarter to a third shorter on two cores, see
 *     bench/README.md). Models trained before this order (checkpoint format 1) normalise first;
 *     their files say so and load in their own order.
 */
public record FastSpec(List<Integer> channels, boolean poolBeforeNorm) implements ModelSpec {

  /** The recipe's channels: 28×28 → 14×14×8 → 7×7×16 → 3×3×64. */
  public static final FastSpec RECIPE = new FastSpec(List.of(8, 16, 64), true);

  /** Label smoothing of the recipe's loss (PyTorch's {@code label_smoothing}). */
  public static final double LABEL_SMOOTHING = 0.1;

  public FastSpec {
    channels = List.copyOf(channels);
  }

  @Override
  public String name() {
    return "fast";
  }

  /** The same network with batch norm before the pool, as checkpoint format 1 stored it. */
  public FastSpec normBeforePool() {
    return new FastSpec(channels, false);
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
