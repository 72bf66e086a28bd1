package dev.digitlab.ml.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The trainable parameters of a network packed into one flat tensor, which the network sees through
 * views and the optimizer updates in one pass: a dozen array operations per step instead of a dozen
 * per parameter, which on small models cost more in call overhead than in arithmetic.
 *
 * <p>For training, every step starts from one fresh autograd leaf, a detached alias of the flat
 * tensor with no gradient yet: PyTorch's {@code zero_grad(set_to_none=True)}, which DJL does not
 * offer. The network sees it split into the parameters' shapes, so backward hands the optimizer one
 * flat gradient, concatenated inside libtorch ({@code split_with_sizes} backward), instead of a
 * gradient per parameter collected and concatenated through a dozen calls from Java.
 *
 * <p>The block's own parameter arrays are not updated while training; {@link #copyToBlock()} brings
 * them up to date before the block is saved.
 */
final class FlatParameters extends ParameterStore {

  private final List<Parameter> trainable;
  private final NDManager manager;
  private final NDArray weights;
  private final Map<Parameter, NDArray> views = new IdentityHashMap<>();
  private final Map<Parameter, NDArray> leaves = new IdentityHashMap<>();
  private final long[] pieceSizes;
  private final Shape[] shapes;
  private final boolean[] reshaped;
  private NDArray leaf;

  /** Packs the current values of {@code trainable} (in that order) into one tensor. */
  FlatParameters(List<Parameter> trainable, NDManager manager) {
    super(manager, false);
    this.trainable = List.copyOf(trainable);
    this.manager = manager;
    NDList flat = new NDList(trainable.size());
    for (Parameter parameter : trainable) {
      flat.add(parameter.getArray().reshape(-1));
    }
    this.weights = NDArrays.concat(flat);
    weights.attach(manager);
    flat.close();
    long offset = 0;
    for (Parameter parameter : trainable) {
      long size = parameter.getArray().size();
      NDArray view =
          weights
              .get(new NDIndex("{}:{}", offset, offset + size))
              .reshape(parameter.getArray().getShape());
      view.attach(manager);
      views.put(parameter, view);
      offset += size;
    }
    this.pieceSizes = new long[trainable.size()];
    this.shapes = new Shape[trainable.size()];
    this.reshaped = new boolean[trainable.size()];
    for (int i = 0; i < trainable.size(); i++) {
      shapes[i] = trainable.get(i).getArray().getShape();
      pieceSizes[i] = shapes[i].size();
      reshaped[i] = shapes[i].dimension() != 1;
    }
  }

  @Override
  public NDArray getValue(Parameter parameter, Device device, boolean training) {
    if (parameter == null) {
      return null;
    }
    NDArray value = training ? leaves.get(parameter) : views.get(parameter);
    return value == null ? parameter.getArray() : value;
  }

  /** All trainable weights as one flat tensor; updating it in place updates the network. */
  NDArray weights() {
    return weights;
  }

  /**
   * Gives the network the parameters of the next training step: views of a new gradient-free leaf.
   * Call with autograd recording on, so that the split into parameters is part of the graph.
   */
  void newLeaves() {
    if (leaf != null) {
      leaf.close();
    }
    leaf = weights.stopGradient();
    leaf.attach(manager);
    leaf.setRequiresGradient(true);
    // JniUtils directly: DJL's split reads the leaf's length from libtorch to compute the last
    // piece's size, which never changes. A piece already of its parameter's shape (a bias) is
    // used as it is, without a reshape and the array that goes with it.
    NDList pieces = JniUtils.split((PtNDArray) leaf, pieceSizes, 0);
    for (int i = 0; i < trainable.size(); i++) {
      Parameter parameter = trainable.get(i);
      NDArray piece = pieces.get(i);
      NDArray value = piece;
      if (reshaped[i]) {
        value = piece.reshape(shapes[i]);
        piece.close();
      }
      value.attach(manager);
      NDArray old = leaves.put(parameter, value);
      if (old != null) {
        old.close();
      }
    }
  }

  /** The gradient of every weight after a backward pass, as one flat tensor. */
  NDArray gradients(NDManager scratch) {
    NDArray all = leaf.getGradient();
    all.attach(scratch);
    return all;
  }

  /** Copies the trained values into the block's parameter arrays (before saving the block). */
  void copyToBlock() {
    for (Parameter parameter : trainable) {
      ArrayCopy.copy(views.get(parameter), parameter.getArray());
    }
  }

  /** The trainable parameters, in packing order. */
  List<Parameter> parameters() {
    return new ArrayList<>(trainable);
  }
}
