package dev.digitlab.ml.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Inverted dropout as PyTorch's {@code nn.Dropout}: in training each element is kept with
 * probability 1 - rate and scaled by 1 / (1 - rate); at inference it is the identity. Unlike DJL's
 * {@code Dropout}, which draws from libtorch's global generator wherever it stands, each mask is
 * drawn under {@link GlobalGenerator}'s lock right after reseeding from (the step's seed, this
 * layer), so a trial's masks do not depend on what other trials in the process draw.
 *
 * <p>It writes the same parameter-file record as DJL's {@code Dropout} (version byte 2, then the
 * input shapes; no parameters), so models and checkpoints saved with that block load into this one
 * and the other way round.
 */
public final class SeededDropout extends AbstractBlock {

  private static final byte VERSION = 2; // DJL Dropout's, for file compatibility

  private final float rate;
  private final int layer;
  private long stepSeed;
  private boolean seeded;

  SeededDropout(float rate, int layer) {
    super(VERSION);
    this.rate = rate;
    this.layer = layer;
  }

  /** The dropout layers of {@code block}, in forward order. */
  public static List<SeededDropout> in(Block block) {
    List<SeededDropout> found = new ArrayList<>();
    collect(block, found);
    return found;
  }

  private static void collect(Block block, List<SeededDropout> found) {
    if (block instanceof SeededDropout dropout) {
      found.add(dropout);
    }
    for (Block child : block.getChildren().values()) {
      collect(child, found);
    }
  }

  /** Sets the seed of the next training forward passes' masks (one per step). */
  public void seedStep(long seed) {
    stepSeed = seed;
    seeded = true;
  }

  public float rate() {
    return rate;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    if (!training || rate == 0) {
      return inputs;
    }
    if (!seeded) {
      throw new IllegalStateException("dropout in training needs a step seed (seedStep)");
    }
    NDArray x = inputs.singletonOrThrow();
    int seed = maskSeed(stepSeed, layer);
    NDArray uniform =
        GlobalGenerator.use(
            ignored -> {
              x.getManager().getEngine().setRandomSeed(seed);
              return x.getManager().randomUniform(0f, 1f, x.getShape(), x.getDataType());
            });
    NDArray keep = uniform.lt(1 - rate).toType(x.getDataType(), false).muli(1 / (1 - rate));
    uniform.close();
    return new NDList(x.mul(keep));
  }

  static int maskSeed(long stepSeed, int layer) {
    return new SplittableRandom(stepSeed * 31 + layer).nextInt(Integer.MAX_VALUE);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return inputShapes;
  }

  @Override
  public void loadMetadata(byte loadVersion, DataInputStream is)
      throws IOException, MalformedModelException {
    // As DJL's Dropout: version 2 records the input shapes, version 1 nothing.
    if (loadVersion == VERSION) {
      readInputShapes(is);
    } else if (loadVersion != 1) {
      throw new MalformedModelException("Unsupported encoding version: " + loadVersion);
    }
  }
}
