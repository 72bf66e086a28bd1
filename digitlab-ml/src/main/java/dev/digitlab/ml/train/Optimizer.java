package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Updates weights from their gradients with PyTorch's rules. Unlike DJL's optimizers, the state
 * (moments, momentum buffers) is ours, so checkpoints can save and restore it exactly, and the step
 * count is passed in rather than counted, so a resumed run continues where it left off.
 */
sealed interface Optimizer permits AdamOptimizer, SgdOptimizer, RmsPropOptimizer {

  /**
   * Applies one update to parameter {@code index} and clears its gradient.
   *
   * @param step 1-based optimizer step, shared by all parameters
   */
  void update(int index, NDArray weight, NDArray gradient, float learningRate, long step);

  /** The state arrays, in a fixed order, for a checkpoint. */
  NDList state();

  /** Copies a checkpoint's state arrays into this optimizer's state. */
  default void restore(NDList saved) {
    NDList mine = state();
    if (saved.size() != mine.size()) {
      throw new IllegalArgumentException(
          "checkpoint holds " + saved.size() + " optimizer arrays, expected " + mine.size());
    }
    for (int i = 0; i < mine.size(); i++) {
      saved.get(i).copyTo(mine.get(i));
    }
  }

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

  /** Zero-filled arrays shaped like each weight, owned by {@code manager}. */
  static NDList zerosLike(List<NDArray> weights, NDManager manager) {
    NDList list = new NDList(weights.size());
    for (NDArray w : weights) {
      list.add(manager.zeros(w.getShape(), w.getDataType()));
    }
    return list;
  }
}
