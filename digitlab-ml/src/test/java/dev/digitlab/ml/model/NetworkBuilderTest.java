package dev.digitlab.ml.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The networks pool before ReLU where the recipes say ReLU then pool: the two orders must give the
 * same logits, and a model saved by a build with the recipes' order must load into today's.
 */
class NetworkBuilderTest {

  @Test
  void lenet5_pooling_before_relu_equals_the_recipe_order_and_loads_its_saved_parameters()
      throws Exception {
    assertSameAsRecipeOrder(recipeOrderLeNet5(), new LeNet5Spec());
  }

  @Test
  void cnn_pooling_before_relu_equals_the_recipe_order_and_loads_its_saved_parameters()
      throws Exception {
    assertSameAsRecipeOrder(
        recipeOrderCnn(), new CnnSpec(List.of(4, 8), 16, Activation.RELU, false, 0));
  }

  @Test
  void
      a_model_saved_with_djls_dropout_loads_into_seeded_dropout_which_is_the_identity_at_inference()
          throws Exception {
    Block djlDropout =
        new SequentialBlock()
            .add(Blocks.batchFlattenBlock())
            .add(NetworkBuilder.linear(32))
            .add(NetworkBuilder.activation(Activation.RELU))
            .add(Dropout.builder().optRate(0.3f).build())
            .add(NetworkBuilder.linear(ModelSpec.CLASSES));

    assertSameAsRecipeOrder(djlDropout, new MlpSpec(List.of(32), Activation.RELU, 0.3));
  }

  @Test
  void dropout_in_training_keeps_one_minus_rate_scaled_and_each_mask_follows_its_seed() {
    SeededDropout dropout = new SeededDropout(0.25f, 3);
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray ones = manager.ones(new Shape(200, 100));
      ParameterStore parameters = new ParameterStore(manager, false);
      assertThatThrownBy(() -> dropout.forward(parameters, new NDList(ones), true))
          .isInstanceOf(IllegalStateException.class);

      dropout.seedStep(42);
      float[] first = dropout.forward(parameters, new NDList(ones), true).head().toFloatArray();
      float[] again = dropout.forward(parameters, new NDList(ones), true).head().toFloatArray();
      dropout.seedStep(43);
      float[] next = dropout.forward(parameters, new NDList(ones), true).head().toFloatArray();
      SeededDropout otherLayer = new SeededDropout(0.25f, 4);
      otherLayer.seedStep(42);
      float[] layer4 = otherLayer.forward(parameters, new NDList(ones), true).head().toFloatArray();

      long dropped = 0;
      for (float v : first) {
        assertThat(v).isIn(0f, 1 / 0.75f);
        dropped += v == 0 ? 1 : 0;
      }
      assertThat(dropped / (double) first.length).isBetween(0.23, 0.27);
      assertThat(again).containsExactly(first);
      assertThat(next).isNotEqualTo(first);
      assertThat(layer4).isNotEqualTo(first);
      assertThat(dropout.forward(parameters, new NDList(ones), false).head().toFloatArray())
          .containsOnly(1f);
    }
  }

  @Test
  void only_convolutional_networks_prefer_channels_last_inputs() {
    assertThat(NetworkBuilder.prefersChannelsLast(new LeNet5Spec())).isTrue();
    assertThat(NetworkBuilder.prefersChannelsLast(CnnSpec.RECIPE)).isTrue();
    assertThat(NetworkBuilder.prefersChannelsLast(MlpSpec.RECIPE)).isFalse();
  }

  private static void assertSameAsRecipeOrder(Block recipeOrder, ModelSpec spec) throws Exception {
    Shape input = new Shape(8, 1, 28, 28);
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      recipeOrder.initialize(manager, DataType.FLOAT32, input);
      ByteArrayOutputStream saved = new ByteArrayOutputStream();
      recipeOrder.saveParameters(new DataOutputStream(saved));

      Block built = NetworkBuilder.build(spec);
      built.initialize(manager, DataType.FLOAT32, input);
      built.loadParameters(
          manager, new DataInputStream(new ByteArrayInputStream(saved.toByteArray())));

      NDArray images = manager.randomNormal(input);
      ParameterStore parameters = new ParameterStore(manager, false);
      float[] expected = logits(recipeOrder, parameters, images);
      float[] actual = logits(built, parameters, images);
      assertThat(actual).containsExactly(expected);
      assertThat(actual).isNotEqualTo(new float[actual.length]);
    }
  }

  private static float[] logits(Block block, ParameterStore parameters, NDArray images) {
    return block.forward(parameters, new NDList(images), false).singletonOrThrow().toFloatArray();
  }

  /** LeNet-5 exactly as RECIPES.md lists its layers: ReLU, then max-pool. */
  private static Block recipeOrderLeNet5() {
    return new SequentialBlock()
        .add(NetworkBuilder.conv(6, 5, 2))
        .add(relu())
        .add(NetworkBuilder.maxPool2x2())
        .add(NetworkBuilder.conv(16, 5, 0))
        .add(relu())
        .add(NetworkBuilder.maxPool2x2())
        .add(Blocks.batchFlattenBlock())
        .add(NetworkBuilder.linear(120))
        .add(relu())
        .add(NetworkBuilder.linear(84))
        .add(relu())
        .add(NetworkBuilder.linear(10));
  }

  /** The configurable CNN as it was built before pooling moved ahead of the last ReLU. */
  private static Block recipeOrderCnn() {
    return new SequentialBlock()
        .add(NetworkBuilder.conv(4, 3, 0))
        .add(relu())
        .add(NetworkBuilder.conv(8, 3, 0))
        .add(relu())
        .add(NetworkBuilder.maxPool2x2())
        .add(Blocks.batchFlattenBlock())
        .add(NetworkBuilder.linear(16))
        .add(relu())
        .add(NetworkBuilder.linear(10));
  }

  private static Block relu() {
    return NetworkBuilder.activation(Activation.RELU);
  }
}
