package dev.digitlab.ml.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
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
 * <p>For training, the network gets a fresh autograd leaf per view every step, with no gradient
 * yet, so that backward writes each gradient into a new buffer rather than adding it to a zeroed
 * one: PyTorch's {@code zero_grad(set_to_none=True)}, which DJL does not offer.
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

  /** Gives the network new gradient-free leaves for the next training step. */
  void newLeaves() {
    for (Parameter parameter : trainable) {
      NDArray leaf = views.get(parameter).stopGradient();
      leaf.attach(manager);
      leaf.setRequiresGradient(true);
      NDArray old = leaves.put(parameter, leaf);
      if (old != null) {
        old.close();
      }
    }
  }

  /** The gradients of the current leaves after a backward pass, as one flat tensor. */
  NDArray gradients(NDManager scratch) {
    NDList flat = new NDList(trainable.size());
    for (Parameter parameter : trainable) {
      NDArray gradient = leaves.get(parameter).getGradient();
      gradient.attach(scratch);
      flat.add(gradient.reshape(-1));
    }
    NDArray all = NDArrays.concat(flat);
    all.attach(scratch);
    return all;
  }

  /** Copies the trained values into the block's parameter arrays (before saving the block). */
  void copyToBlock() {
    for (Parameter parameter : trainable) {
      parameter.getArray().set(views.get(parameter).toByteBuffer());
    }
  }

  /** The trainable parameters, in packing order. */
  List<Parameter> parameters() {
    return new ArrayList<>(trainable);
  }
}
