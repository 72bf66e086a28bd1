package dev.digitlab.ml.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import dev.digitlab.ml.model.GlobalGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Draws a run's random numbers from libtorch's global generator in the same order as the PyTorch
 * reference: seed, then each layer's weight and bias (PyTorch's default ±1/√fan_in uniform init),
 * then one {@code randperm} per epoch. So a recipe with seed s starts from the weights and sees the
 * shuffles that {@code train.py --seed s} does, and both engines' results compare run for run.
 *
 * <p>The generator is one per process, and trials training at once in one JVM share it. Every draw
 * goes through {@link GlobalGenerator}'s lock; a trial that finds that nobody used the generator
 * since its own last draw continues the stream where it is (a lone trial: no replay, no cost);
 * otherwise it replays its stream (seed, init shapes into throwaway arrays, earlier epochs'
 * permutations) before drawing. Resuming after epoch k replays the same way, as DJL cannot read
 * generator state.
 *
 * <p>With dropout the generator is reseeded from {@code (seed, epoch)} before every epoch and each
 * dropout mask from {@code (seed, step, layer)} (see {@link #maskSeed}), which keeps runs
 * reproducible and resumable, though no longer PyTorch's stream.
 */
final class RandomStream {

  /** One uniform draw of the initialisation: its shape and bound. */
  private record InitDraw(Shape shape, float bound) {}

  private final Engine engine;
  private final TrainingConfig config;
  private final List<InitDraw> initDraws = new ArrayList<>();
  private int n = -1; // images per epoch, known from the first permutation or skip
  private long lastUse = -1; // the generator's use count just after this stream's last draw
  private int epochsDrawn; // permutations drawn since seeding

  RandomStream(Engine engine, TrainingConfig config) {
    this.engine = engine;
    this.config = config;
  }

  /** Seeds the generator and draws every weight and bias of {@code block}, layer by layer. */
  void initialise(Block block, NDManager manager) {
    initDraws.clear();
    long fanIn = 0;
    List<NDArray> targets = new ArrayList<>();
    for (Parameter parameter : block.getParameters().values()) {
      NDArray array = parameter.getArray();
      Shape shape = array.getShape();
      if (parameter.getType() == Parameter.Type.WEIGHT) {
        fanIn = shape.size() / shape.get(0);
      } else if (parameter.getType() != Parameter.Type.BIAS) {
        continue; // batch-norm scale, shift and statistics start at their fixed values
      }
      initDraws.add(new InitDraw(shape, (float) (1 / Math.sqrt(fanIn))));
      targets.add(array);
    }
    GlobalGenerator.use(
        usesBefore -> {
          drawInit(manager, targets);
          lastUse = usesBefore + 1;
          epochsDrawn = 0;
          return null;
        });
  }

  private void drawInit(NDManager manager, List<NDArray> targets) {
    engine.setRandomSeed((int) config.seed());
    for (int i = 0; i < initDraws.size(); i++) {
      InitDraw draw = initDraws.get(i);
      try (NDArray values = manager.randomUniform(-draw.bound(), draw.bound(), draw.shape())) {
        if (targets != null) {
          ArrayCopy.copy(values, targets.get(i));
        }
      }
    }
  }

  /** The shuffle of epoch {@code epoch} (0-based): a fresh permutation of {@code n} images. */
  int[] permutation(int epoch, int n, NDManager manager) {
    return GlobalGenerator.use(
        usesBefore -> {
          if (reseedsEveryEpoch()) {
            engine.setRandomSeed(epochSeed(config.seed(), epoch));
          } else {
            advance(usesBefore, epoch, n, manager);
          }
          int[] order = drawPermutation(n, manager);
          epochsDrawn = epoch + 1;
          lastUse = usesBefore + 1;
          return order;
        });
  }

  /** Brings the generator to where the uninterrupted run had it after {@code epochs} epochs. */
  void skipEpochs(int epochs, int n, NDManager manager) {
    if (!reseedsEveryEpoch()) {
      GlobalGenerator.use(
          usesBefore -> {
            advance(usesBefore, epochs, n, manager);
            lastUse = usesBefore + 1;
            return null;
          });
    }
  }

  /**
   * Holding the generator's lock: brings it to just after epoch {@code epochs - 1}'s permutation,
   * drawing on where it stands if nobody else used it since this stream last did, else replaying.
   */
  private void advance(long usesBefore, int epochs, int n, NDManager manager) {
    if (usesBefore != lastUse || epochsDrawn > epochs || (this.n != -1 && this.n != n)) {
      drawInit(manager, null);
      epochsDrawn = 0;
    }
    this.n = n;
    for (; epochsDrawn < epochs; epochsDrawn++) {
      drawPermutation(n, manager);
    }
  }

  private static int[] drawPermutation(int n, NDManager manager) {
    try (NDArray permutation = manager.randomPermutation(n)) {
      long[] values = permutation.toLongArray();
      int[] order = new int[n];
      for (int i = 0; i < n; i++) {
        order[i] = (int) values[i];
      }
      return order;
    }
  }

  /** The seed of step {@code globalStep}'s dropout masks (each layer mixes in its place). */
  long maskSeed(long globalStep) {
    return new SplittableRandom(config.seed() * 1_000_003L ^ globalStep * 0x9E3779B97F4A7C15L)
        .nextLong();
  }

  private boolean reseedsEveryEpoch() {
    return config.dropout() > 0;
  }

  static int epochSeed(long seed, int epoch) {
    return new SplittableRandom(seed * 1_000_003L + epoch).nextInt(Integer.MAX_VALUE);
  }
}
