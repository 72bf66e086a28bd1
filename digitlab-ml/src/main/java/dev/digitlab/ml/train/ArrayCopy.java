package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Copies one array's values into another's, inside libtorch. DJL's {@code copyTo} and {@code
 * set(Buffer)} go through its {@code torchSet}, whose deprecated libtorch guard ({@code
 * AutoNonVariableTypeMode}) wrote "[W… LegacyTypeDispatch.h:74] Warning: AutoNonVariableTypeMode is
 * deprecated…" to the terminal once per process: a line in every {@code digitlab train}'s output. A
 * put into every element (index {@code [:, …]}) is libtorch's {@code copy_}, the same values bit
 * for bit, without the round trip through a Java buffer.
 */
final class ArrayCopy {

  private ArrayCopy() {}

  /** Copies {@code from} into {@code into}, of the same shape and at least one dimension. */
  static void copy(NDArray from, NDArray into) {
    if (!from.getShape().equals(into.getShape()) || into.getShape().dimension() == 0) {
      throw new IllegalArgumentException(
          "cannot copy an array of shape " + from.getShape() + " into one of " + into.getShape());
    }
    // Autograd must not see the copy: the target may be a parameter that requires a gradient,
    // and grad mode is per thread (on by default in any thread but the one that started the
    // engine), which torchSet's guard used to switch off for it.
    boolean gradMode = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      // Every dimension whole ("[:, :]"): libtorch refuses an empty index list.
      into.set(new NDIndex().addAllDim(into.getShape().dimension()), from);
    } finally {
      JniUtils.setGradMode(gradMode);
    }
  }
}
