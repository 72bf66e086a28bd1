package dev.digitlab.ml.model;

/**
 * The architecture of a classifier for 28×28 single-channel images and 10 classes. One spec builds
 * the DJL network (and, later, the ONNX graph), so both always describe the same model.
 */
public sealed interface ModelSpec permits MlpSpec, CnnSpec, LeNet5Spec, FastSpec {

  /** Number of output classes of every Digit Lab model. */
  int CLASSES = 10;

  /** Short architecture name: {@code mlp}, {@code cnn}, {@code lenet5} or {@code fast}. */
  String name();
}
