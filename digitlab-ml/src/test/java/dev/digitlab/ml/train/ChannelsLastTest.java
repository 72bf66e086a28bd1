package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A channels-last batch is the same batch to every layer: only the memory order differs. */
class ChannelsLastTest {

  @ParameterizedTest
  @ValueSource(ints = {1, 3})
  void keeps_shape_and_values_and_convolutions_see_the_same_images(int channels) {
    Shape shape = new Shape(4, channels, 12, 10);
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray images = manager.randomNormal(shape);
      NDArray nhwc = ChannelsLast.of(images);

      assertThat(nhwc.getShape()).isEqualTo(shape);
      assertThat(nhwc.toFloatArray()).containsExactly(images.toFloatArray());

      Block net =
          new SequentialBlock()
              .add(Conv2d.builder().setFilters(5).setKernelShape(new Shape(3, 3)).build())
              .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
              .add(Blocks.batchFlattenBlock());
      net.initialize(manager, DataType.FLOAT32, shape);
      ParameterStore parameters = new ParameterStore(manager, false);
      float[] expected = net.forward(parameters, new NDList(images), false).head().toFloatArray();
      float[] actual = net.forward(parameters, new NDList(nhwc), false).head().toFloatArray();
      assertThat(actual).hasSameSizeAs(expected);
      for (int i = 0; i < expected.length; i++) {
        // oneDNN may sum a channels-last convolution in another order: equal to rounding.
        assertThat(actual[i]).isCloseTo(expected[i], within(1e-5f));
      }
    }
  }
}
