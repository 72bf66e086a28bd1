package dev.digitlab.ml.train;

/**
 * How a pixel byte becomes a network input, for training and inference alike: {@code (byte / 255 −
 * mean) / std} with MNIST's training-set mean and standard deviation. One table, so a served model
 * always sees inputs scaled exactly as in training.
 */
public final class PixelNormalisation {

  /** MNIST's training-set mean and standard deviation, as in the benchmark recipes. */
  public static final float MEAN = 0.1307f;

  public static final float STD = 0.3081f;

  private static final float[] NORMALISED = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      NORMALISED[i] = (i / 255f - MEAN) / STD;
    }
  }

  private PixelNormalisation() {}

  /** The network input for an unsigned pixel byte. */
  public static float of(byte pixel) {
    return NORMALISED[pixel & 0xFF];
  }
}
