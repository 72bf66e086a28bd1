package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Updates weights in place from their gradients with PyTorch's rules; the caller drops the
 * gradients afterwards. Unlike DJL's optimizers, the state (moments, momentum buffers) is ours, so
 * checkpoints save and restore it exactly, and the step count is passed in, so a resumed run
 * continues where it left off.
 */
sealed interface Optimizer extends AutoCloseable
    permits AdamOptimizer, SgdOptimizer, RmsPropOptimizer {

  /**
   * Applies one update to every weight.
   *
   * @param gradients the gradients of {@code weights}, in the same order
   * @param step 1-based optimizer step, shared by all parameters
   */
  void step(List<NDArray> weights, List<NDArray> gradients, float learningRate, long step);

  /** Copies the state into new arrays, in a fixed order, for a checkpoint. */
  NDList saveState(NDManager manager);

  /** Restores the state saved by {@link #saveState}. */
  void restoreState(NDList saved);

  @Override
  default void close() {}

  /** The optimizer a config asks for, with zeroed state shaped like {@code weights}. */
  static Optimizer create(TrainingConfig config, List<NDArray> weights, NDManager manager) {
    return switch (config.optimizer()) {
      case ADAM -> new AdamOptimizer(weights, manager, (float) config.weightDecay(), false);
      case ADAMW -> new AdamOptimizer(weights, manager, (float) config.weightDecay(), true);
      case SGD ->
          new SgdOptimizer(
              weights,
              manager,
              (float) config.momentum(),
              config.nesterov(),
              (float) config.weightDecay());
      case RMSPROP ->
          new RmsPropOptimizer(
              weights, manager, (float) config.momentum(), (float) config.weightDecay());
    };
  }

  /**
   * Adds L2 weight decay to {@code gradient} in place and returns it: the trainer hands every
   * optimizer a gradient it drops after the step, so no copy is needed.
   */
  static NDArray addWeightDecay(NDArray weight, NDArray gradient, float weightDecay) {
    if (weightDecay != 0) {
      try (NDArray decay = weight.mul(weightDecay)) {
        gradient.addi(decay);
      }
    }
    return gradient;
  }

  /** Zero-filled arrays shaped like each weight, owned by {@code manager}. */
  static NDList zerosLike(List<NDArray> weights, NDManager manager) {
    NDList list = new NDList(weights.size());
    for (NDArray w : weights) {
      list.add(manager.zeros(w.getShape(), w.getDataType()));
    }
    return list;
  }

  /** Copies of {@code arrays} owned by {@code manager}. */
  static NDList copies(NDList arrays, NDManager manager) {
    NDList list = new NDList(arrays.size());
    for (NDArray a : arrays) {
      NDArray copy = a.duplicate();
      copy.attach(manager);
      list.add(copy);
    }
    return list;
  }

  /** Copies {@code saved} into {@code mine}, element by element, after checking the shapes. */
  static void copyInto(NDList saved, NDList mine) {
    if (saved.size() != mine.size()) {
      throw new IllegalArgumentException(
          "checkpoint holds " + saved.size() + " optimizer arrays, expected " + mine.size());
    }
    for (int i = 0; i < mine.size(); i++) {
      if (!saved.get(i).getShape().equals(mine.get(i).getShape())) {
        throw new IllegalArgumentException(
            "checkpoint optimizer array " + i + " has shape " + saved.get(i).getShape());
      }
      ArrayCopy.copy(saved.get(i), mine.get(i));
    }
  }
}
