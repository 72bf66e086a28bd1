package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Adam and AdamW exactly as {@code torch.optim.Adam}/{@code AdamW} define them, ε included: {@code
 * w -= lr/(1-β₁ᵗ) · m / (√v/√(1-β₂ᵗ) + ε)}. DJL's native update adds ε before the bias correction,
 * a different optimizer early in training; it also clones every gradient.
 *
 * <p>The moments are kept scaled, {@code M = m/(1-β₁)} and {@code V = v/(1-β₂)}, so that each
 * update is {@code M = β₁M + g}: two in-place passes, no temporary. The gradient is squared in
 * place, as the trainer drops it after the step (see {@link LeafParameters}).
 */
final class AdamOptimizer implements Optimizer {

  private static final float BETA1 = 0.9f;
  private static final float BETA2 = 0.999f;
  private static final float EPSILON = 1e-8f;

  private final NDList means;
  private final NDList variances;
  private final ScalarSlot beta1;
  private final ScalarSlot beta2;
  private final ScalarSlot epsilon;
  private final ScalarSlot stepSize;
  private final float weightDecay;
  private final boolean decoupled;

  AdamOptimizer(List<NDArray> weights, NDManager manager, float weightDecay, boolean decoupled) {
    this.means = Optimizer.zerosLike(weights, manager);
    this.variances = Optimizer.zerosLike(weights, manager);
    this.beta1 = new ScalarSlot(manager, BETA1);
    this.beta2 = new ScalarSlot(manager, BETA2);
    this.epsilon = new ScalarSlot(manager, EPSILON);
    this.stepSize = new ScalarSlot(manager, 0);
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  public void step(List<NDArray> weights, List<NDArray> gradients, float learningRate, long step) {
    double biasCorrection1 = 1 - Math.pow(BETA1, step);
    double biasCorrection2 = 1 - Math.pow(BETA2, step);
    // √v/√(1-β₂ᵗ) + ε = scale·(√V + ε/scale), so the step divides by (√V + ε/scale).
    double scale = Math.sqrt((1 - BETA2) / biasCorrection2);
    epsilon.set((float) (EPSILON / scale));
    stepSize.set((float) (learningRate * (1 - BETA1) / biasCorrection1 / scale));
    for (int i = 0; i < weights.size(); i++) {
      update(weights.get(i), gradients.get(i), means.get(i), variances.get(i), learningRate);
    }
  }

  private void update(
      NDArray weight, NDArray gradient, NDArray mean, NDArray variance, float learningRate) {
    if (decoupled && weightDecay != 0) {
      weight.muli(1 - learningRate * weightDecay);
    } else {
      Optimizer.addWeightDecay(weight, gradient, weightDecay);
    }
    mean.muli(beta1.array()).addi(gradient);
    variance.muli(beta2.array()).addi(gradient.muli(gradient));
    try (NDArray denominator = variance.sqrt().addi(epsilon.array());
        NDArray direction = mean.div(denominator)) {
      weight.subi(direction.muli(stepSize.array()));
    }
  }

  @Override
  public NDList saveState(NDManager manager) {
    NDList all = new NDList(means.size() * 2);
    all.addAll(means);
    all.addAll(variances);
    return Optimizer.copies(all, manager);
  }

  @Override
  public void restoreState(NDList saved) {
    NDList all = new NDList(means.size() * 2);
    all.addAll(means);
    all.addAll(variances);
    Optimizer.copyInto(saved, all);
  }
}
