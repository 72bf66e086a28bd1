package dev.digitlab.ml.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.SplittableRandom;

/**
 * Draws a run's random numbers from libtorch's global generator in the same order as the PyTorch
 * reference: seed, then each layer's weight and bias (PyTorch's default ±1/√fan_in uniform init),
 * then one {@code randperm} per epoch. So a recipe with seed s starts from the weights and sees the
 * shuffles that {@code train.py --seed s} does, and both engines' results compare run for run.
 *
 * <p>Resuming after epoch k replays the stream (init, then k permutations) instead of restoring
 * generator state, which DJL cannot read. That only works when nothing else draws numbers during
 * training; with dropout the generator is reseeded from {@code (seed, epoch)} before every epoch
 * instead, which keeps runs reproducible and resumable, though no longer PyTorch's stream.
 */
final class RandomStream {

  private final Engine engine;
  private final TrainingConfig config;

  RandomStream(Engine engine, TrainingConfig config) {
    this.engine = engine;
    this.config = config;
  }

  /** Seeds the generator and draws every weight and bias of {@code block}, layer by layer. */
  void initialise(Block block, NDManager manager) {
    engine.setRandomSeed((int) config.seed());
    long fanIn = 0;
    for (Parameter parameter : block.getParameters().values()) {
      NDArray array = parameter.getArray();
      Shape shape = array.getShape();
      if (parameter.getType() == Parameter.Type.WEIGHT) {
        fanIn = shape.size() / shape.get(0);
      } else if (parameter.getType() != Parameter.Type.BIAS) {
        continue; // batch-norm scale, shift and statistics start at their fixed values
      }
      float bound = (float) (1 / Math.sqrt(fanIn));
      try (NDArray values = manager.randomUniform(-bound, bound, shape)) {
        values.copyTo(array);
      }
    }
  }

  /** The shuffle of epoch {@code epoch} (0-based): a fresh permutation of {@code n} images. */
  int[] permutation(int epoch, int n, NDManager manager) {
    if (reseedsEveryEpoch()) {
      engine.setRandomSeed(epochSeed(config.seed(), epoch));
    }
    try (NDArray permutation = manager.randomPermutation(n)) {
      long[] values = permutation.toLongArray();
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = (int) values[i];
      }
      return order;
    }
  }

  /** Brings the generator to where the uninterrupted run had it after {@code epochs} epochs. */
  void skipEpochs(int epochs, int n, NDManager manager) {
    if (!reseedsEveryEpoch()) {
      for (int epoch = 0; epoch < epochs; epoch++) {
        permutation(epoch, n, manager);
      }
    }
  }

  private boolean reseedsEveryEpoch() {
    return config.dropout() > 0;
  }

  static int epochSeed(long seed, int epoch) {
    return new SplittableRandom(seed * 1_000_003L + epoch).nextInt(Integer.MAX_VALUE);
  }
}
