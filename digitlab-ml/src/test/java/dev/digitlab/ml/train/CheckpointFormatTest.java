package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import dev.digitlab.ml.data.ImageSet;
import dev.digitlab.ml.eval.Probabilities;
import dev.digitlab.ml.export.OnnxExport;
import dev.digitlab.ml.infer.Classifier;
import dev.digitlab.ml.model.FastSpec;
import dev.digitlab.ml.model.GlobalGenerator;
import dev.digitlab.ml.model.NetworkBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format 2 changed the fast recipe's layer order (pool before batch norm). Fast models and
 * checkpoints written before, in format 1, hold parameters trained with batch norm first; these
 * tests write such files as an earlier version did and check that every reader builds the order the
 * parameters were trained in.
 */
class CheckpointFormatTest {

  private static final TrainingConfig FAST =
      TrainingConfig.builder()
          .model(ModelKind.FAST)
          .epochs(2)
          .batchSize(64)
          .device(DeviceChoice.CPU)
          .seed(5)
          .build();

  @Test
  void new_fast_files_are_format_2_and_pool_before_batch_norm(@TempDir Path dir) {
    Path model = train(dir, null, null);

    CheckpointHeader header = CheckpointFile.readHeader(model);

    assertThat(header.format()).isEqualTo(2);
    assertThat(header.modelSpec()).isEqualTo(FastSpec.RECIPE);
    assertThat(FastSpec.RECIPE.poolBeforeNorm()).isTrue();
  }

  @Test
  void a_format_1_fast_model_is_read_and_exported_with_batch_norm_before_the_pool(@TempDir Path dir)
      throws Exception {
    Path current = train(dir, null, null);
    Path old = asFormat1(current, dir.resolve("old.dlm"));
    ImageSet images = SyntheticDigits.generate(300, 9);

    assertThat(CheckpointFile.readHeader(old).modelSpec())
        .isEqualTo(FastSpec.RECIPE.normBeforePool());
    // DJL's parameter stream follows the blocks' order: read in format 2's order, it would fail.
    float[] asOld = ModelBenchmark.probabilities(old, images);
    assertThat(Classifier.load(old).config()).isEqualTo(FAST);

    // ONNX Runtime runs the exported format-1 graph as DJL runs the file, to float rounding (the
    // same parameters in format 2's order would compute another function).
    Path onnx = dir.resolve("old.onnx");
    OnnxExport.export(old, onnx);
    float[] logits = OnnxExportTest.onnxRuntimeLogits(onnx, images);
    float[] ort = new float[logits.length];
    for (int i = 0; i < images.size(); i++) {
      System.arraycopy(Probabilities.softmax(logits, i * 10, 10), 0, ort, i * 10, 10);
    }
    assertThat(largestDifference(ort, asOld)).isCloseTo(0, within(1e-4));
  }

  @Test
  void a_run_resumed_from_a_format_1_checkpoint_keeps_its_order_and_format(@TempDir Path dir)
      throws Exception {
    Path checkpoint = dir.resolve("run.ckpt");
    stopAfterFirstEpoch(checkpoint);
    Path old = asFormat1(checkpoint, dir.resolve("old.ckpt"));

    Path resumedModel = train(dir, old, dir.resolve("resumed.dlm"));

    CheckpointHeader header = CheckpointFile.readHeader(resumedModel);
    assertThat(header.format()).isEqualTo(1);
    assertThat(header.modelSpec()).isEqualTo(FastSpec.RECIPE.normBeforePool());
    assertThat(header.epochsCompleted()).isEqualTo(2);
  }

  @Test
  void a_file_of_a_newer_format_is_refused_with_the_formats_this_version_reads(@TempDir Path dir)
      throws Exception {
    Path model = train(dir, null, null);
    byte[] bytes = Files.readAllBytes(model);
    bytes[7] = 3;
    Path newer = Files.write(dir.resolve("newer.dlm"), bytes);

    assertThatThrownBy(() -> CheckpointFile.readHeader(newer))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("format 3 is not supported (this version reads 1 to 2)");
  }

  private static Path train(Path dir, Path resumeFrom, Path modelFile) {
    Path model = modelFile == null ? dir.resolve("model.dlm") : modelFile;
    Trainer.train(
        FAST,
        SyntheticDigits.data(300, 10),
        TrainingListener.NONE,
        () -> false,
        new TrainingOutputs(null, resumeFrom, model));
    return model;
  }

  private static void stopAfterFirstEpoch(Path checkpoint) {
    boolean[] stop = {false};
    TrainingListener listener =
        new TrainingListener() {
          @Override
          public void onEpoch(EpochMetrics metrics) {
            stop[0] = true;
          }
        };
    try {
      Trainer.train(
          FAST,
          SyntheticDigits.data(300, 10),
          listener,
          () -> stop[0],
          new TrainingOutputs(checkpoint, null, null));
    } catch (TrainingCancelledException expected) {
      // stopped after epoch 1, its checkpoint written
    }
  }

  /**
   * What an earlier version wrote for {@code file}'s run: its header in format 1 and the parameters
   * of a network in format 1's order (batch norm before the pool; freshly initialised values, as
   * only the order matters here), without optimizer state.
   */
  private static Path asFormat1(Path file, Path target) {
    CheckpointHeader h = CheckpointFile.readHeader(file);
    Block block = NetworkBuilder.build(FastSpec.RECIPE.normBeforePool());
    try (NDManager root = NDManager.newBaseManager(Device.cpu(), Trainer.ENGINE)) {
      GlobalGenerator.run(() -> block.initialize(root, DataType.FLOAT32, new Shape(1, 1, 28, 28)));
      CheckpointFile.write(
          target,
          new CheckpointHeader(
              1, h.config(), h.epochsCompleted(), h.globalStep(), h.history(), h.stepLosses()),
          block,
          null);
    }
    return target;
  }

  private static double largestDifference(float[] a, float[] b) {
    double largest = 0;
    for (int i = 0; i < a.length; i++) {
      largest = Math.max(largest, Math.abs(a[i] - b[i]));
    }
    return largest;
  }
}
