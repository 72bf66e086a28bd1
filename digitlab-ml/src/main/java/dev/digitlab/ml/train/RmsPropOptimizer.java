package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * RMSprop as {@code torch.optim.RMSprop} (α 0.99, ε 1e-8, not centred): {@code s = α·s + (1-α)·g²;
 * step = g / (√s + ε)}, with an optional momentum buffer over the steps. DJL's PyTorch engine has
 * no native RMSprop, hence array operations here.
 */
final class RmsPropOptimizer implements Optimizer {

  private static final float ALPHA = 0.99f;
  private static final float EPSILON = 1e-8f;

  private final NDList squares;
  private final NDList buffers;
  private final float momentum;
  private final float weightDecay;

  RmsPropOptimizer(List<NDArray> weights, NDManager manager, float momentum, float weightDecay) {
    this.squares = Optimizer.zerosLike(weights, manager);
    this.buffers = momentum == 0 ? new NDList() : Optimizer.zerosLike(weights, manager);
    this.momentum = momentum;
    this.weightDecay = weightDecay;
  }

  @Override
  public void step(List<NDArray> weights, List<NDArray> gradients, float learningRate, long step) {
    for (int i = 0; i < weights.size(); i++) {
      update(i, weights.get(i), gradients.get(i), learningRate);
    }
  }

  private void update(int index, NDArray weight, NDArray gradient, float learningRate) {
    try (NDManager scratch = weight.getManager().newSubManager()) {
      NDArray g = Optimizer.addWeightDecay(weight, gradient, weightDecay);
      NDArray square = squares.get(index);
      NDArray g2 = g.square();
      g2.attach(scratch);
      square.muli(ALPHA).addi(g2.muli(1 - ALPHA));
      NDArray denominator = square.sqrt();
      denominator.attach(scratch);
      NDArray direction = g.div(denominator.addi(EPSILON));
      direction.attach(scratch);
      if (momentum != 0) {
        direction = buffers.get(index).muli(momentum).addi(direction);
      }
      NDArray delta = direction.mul(learningRate);
      delta.attach(scratch);
      weight.subi(delta);
    }
  }

  @Override
  public NDList saveState(NDManager manager) {
    NDList all = new NDList(squares.size() + buffers.size());
    all.addAll(squares);
    all.addAll(buffers);
    return Optimizer.copies(all, manager);
  }

  @Override
  public void restoreState(NDList saved) {
    NDList all = new NDList(squares.size() + buffers.size());
    all.addAll(squares);
    all.addAll(buffers);
    Optimizer.copyInto(saved, all);
  }
}
