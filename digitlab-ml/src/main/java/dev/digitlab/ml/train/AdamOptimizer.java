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
  private final float weightDecay;
  private final boolean decoupled;

  AdamOptimizer(List<NDArray> weights, NDManager manager, float weightDecay, boolean decoupled) {
    this.means = Optimizer.zerosLike(weights, manager);
    this.variances = Optimizer.zerosLike(weights, manager);
    this.weightDecay = weightDecay;
    this.decoupled = decoupled;
  }

  @Override
  public void step(List<NDArray> weights, List<NDArray> gradients, float learningRate, long step) {
    double biasCorrection1 = 1 - Math.pow(BETA1, step);
    double biasCorrection2 = 1 - Math.pow(BETA2, step);
    // √v/√(1-β₂ᵗ) = scale·√V
    float scale = (float) Math.sqrt((1 - BETA2) / biasCorrection2);
    float stepSize = (float) (learningRate * (1 - BETA1) / biasCorrection1);
    for (int i = 0; i < weights.size(); i++) {
      update(
          weights.get(i),
          gradients.get(i),
          means.get(i),
          variances.get(i),
          learningRate,
          scale,
          stepSize);
    }
  }

  private void update(
      NDArray weight,
      NDArray gradient,
      NDArray mean,
      NDArray variance,
      float learningRate,
      float scale,
      float stepSize) {
    if (decoupled && weightDecay != 0) {
      weight.muli(1 - learningRate * weightDecay);
    } else {
      Optimizer.addWeightDecay(weight, gradient, weightDecay);
    }
    mean.muli(BETA1).addi(gradient);
    variance.muli(BETA2).addi(gradient.muli(gradient));
    try (NDArray denominator = variance.sqrt().muli(scale).addi(EPSILON);
        NDArray direction = mean.div(denominator)) {
      weight.subi(direction.muli(stepSize));
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
