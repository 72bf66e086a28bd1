package dev.digitlab.ml.model;

import java.util.List;
import java.util.Objects;

/**
 * Multi-layer perceptron: flatten, then per hidden size a linear layer, the activation and
 * (optionally) dropout, then a linear layer to the 10 classes.
 */
public record MlpSpec(List<Integer> hiddenSizes, Activation activation, double dropout)
    implements ModelSpec {

  /** The {@code mlp} benchmark recipe: 784→256→128→10 with ReLU, no dropout. */
  public static final MlpSpec RECIPE = new MlpSpec(List.of(256, 128), Activation.RELU, 0.0);

  public MlpSpec {
    hiddenSizes = List.copyOf(hiddenSizes);
    Objects.requireNonNull(activation, "activation");
  }

  @Override
  public String name() {
    return "mlp";
  }
}
