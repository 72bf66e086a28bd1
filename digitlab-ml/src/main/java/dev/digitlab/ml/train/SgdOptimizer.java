package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * SGD with optional momentum and Nesterov momentum, as {@code torch.optim.SGD} (dampening 0):
 * {@code g = grad + wd·w; buf = μ·buf + g; w -= lr·(nesterov ? g + μ·buf : buf)}.
 */
final class SgdOptimizer implements Optimizer {

  private final NDList buffers;
  private final float momentum;
  private final boolean nesterov;
  private final float weightDecay;

  SgdOptimizer(
      List<NDArray> weights,
      NDManager manager,
      float momentum,
      boolean nesterov,
      float weightDecay) {
    this.buffers = momentum == 0 ? new NDList() : Optimizer.zerosLike(weights, manager);
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.weightDecay = weightDecay;
  }

  @Override
  public void step(List<NDArray> weights, List<NDArray> gradients, float learningRate, long step) {
    for (int i = 0; i < weights.size(); i++) {
      update(i, weights.get(i), gradients.get(i), learningRate);
    }
  }

  private void update(int index, NDArray weight, NDArray gradient, float learningRate) {
    // Temporaries live in a sub-manager so that nothing accumulates across the run.
    try (NDManager scratch = weight.getManager().newSubManager()) {
      NDArray g = Optimizer.addWeightDecay(weight, gradient, weightDecay);
      if (momentum != 0) {
        NDArray buffer = buffers.get(index);
        buffer.muli(momentum).addi(g);
        if (nesterov) {
          NDArray look = buffer.mul(momentum);
          look.attach(scratch);
          g = look.addi(g);
        } else {
          g = buffer;
        }
      }
      NDArray delta = g.mul(learningRate);
      delta.attach(scratch);
      weight.subi(delta);
    }
  }

  @Override
  public NDList saveState(NDManager manager) {
    return Optimizer.copies(buffers, manager);
  }

  @Override
  public void restoreState(NDList saved) {
    Optimizer.copyInto(saved, buffers);
  }
}
