package dev.digitlab.ml.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A scalar tensor whose value Java sets in place. DJL turns every {@code array.mul(0.9f)} into a
 * fresh direct buffer and tensor; the optimizer's per-step factors reuse one of these instead.
 * libtorch wraps the buffer without copying (CPU), so {@link #set} is seen by the next operation.
 */
final class ScalarSlot {

  private final ByteBuffer buffer;
  private final NDArray array;
  private final boolean shared;

  ScalarSlot(NDManager manager, float value) {
    this.buffer = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
    buffer.putFloat(0, value);
    this.array = manager.create(buffer, new Shape(), DataType.FLOAT32);
    // On a GPU libtorch copies the buffer; then a new value needs a new tensor.
    this.shared = !array.getDevice().isGpu();
  }

  /** The tensor, valid until the next {@link #set}. */
  NDArray array() {
    return array;
  }

  void set(float value) {
    buffer.putFloat(0, value);
    if (!shared) {
      array.set(buffer.duplicate());
    }
  }
}
