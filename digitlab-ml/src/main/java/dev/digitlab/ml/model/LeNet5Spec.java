package dev.digitlab.ml.model;

/** LeNet-5 with ReLU and max-pooling, exactly the {@code lenet5} benchmark recipe. */
public record LeNet5Spec() implements ModelSpec {

  @Override
  public String name() {
    return "lenet5";
  }
}
