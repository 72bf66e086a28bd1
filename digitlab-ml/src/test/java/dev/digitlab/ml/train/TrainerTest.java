package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.pytorch.jni.JniUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class TrainerTest {

  private static final TrainingData DATA = SyntheticDigits.data(600, 200);

  private static TrainingConfig.Builder small() {
    return TrainingConfig.builder()
        .model(ModelKind.MLP)
        .hiddenSizes(List.of(32))
        .batchSize(32)
        .epochs(2)
        .device(DeviceChoice.CPU)
        .seed(7);
  }

  @Test
  void learns_a_separable_problem() {
    TrainingResult result = Trainer.train(small().build(), DATA, TrainingListener.NONE);

    assertThat(result.epochs()).hasSize(2);
    assertThat(result.test().accuracy()).isGreaterThan(0.9);
    assertThat(result.epochs().get(1).trainLoss()).isLessThan(result.epochs().get(0).trainLoss());
    assertThat(result.stepLosses()).isNotEmpty();
    assertThat(result.imagesPerSecond()).isPositive();
  }

  /**
   * A run that learned nothing (the fast recipe on a few thousand images climbs to its peak rate in
   * five steps and ends at chance) says so, naming the rate; a run that learned says nothing.
   */
  @Test
  void a_run_that_diverges_is_told_so_and_a_healthy_one_is_not() {
    List<String> warnings = new ArrayList<>();
    TrainingListener listener =
        new TrainingListener() {
          @Override
          public void onWarning(String line) {
            warnings.add(line);
          }
        };

    Trainer.train(
        small().optimizer(OptimizerKind.SGD).learningRate(10).momentum(0.9).build(),
        DATA,
        listener);
    assertThat(warnings)
        .isNotEmpty()
        .first()
        .asString()
        .startsWith("training diverged: epoch 1's mean training loss")
        .contains("reached 10.0")
        .contains("--lr");

    warnings.clear();
    Trainer.train(small().build(), DATA, listener);
    assertThat(warnings).isEmpty();
  }

  @Test
  void same_seed_and_config_give_identical_metrics() {
    TrainingConfig config = small().dropout(0.2).build();

    TrainingResult first = Trainer.train(config, DATA, TrainingListener.NONE);
    TrainingResult second = Trainer.train(config, DATA, TrainingListener.NONE);

    assertThat(lossesAndAccuracies(second)).isEqualTo(lossesAndAccuracies(first));
    assertThat(second.stepLosses()).isEqualTo(first.stepLosses());
    assertThat(second.test().report()).isEqualTo(first.test().report());
    assertThat(second.test().loss()).isEqualTo(first.test().loss());
  }

  @Test
  void switching_between_one_and_two_threads_every_step_changes_no_result() {
    // The sizes of the mlp recipe, so that libtorch and MKL really split the work between threads.
    TrainingConfig config =
        TrainingConfig.builder()
            .model(ModelKind.MLP)
            .batchSize(128)
            .epochs(1)
            .device(DeviceChoice.CPU)
            .seed(3)
            .build();
    TrainingData data = SyntheticDigits.data(2_560, 500);
    int many = Math.max(2, JniUtils.getNumThreads());
    StepThreads alternating =
        new StepThreads() {
          private int steps;

          @Override
          public void afterStep(long nanos) {
            steps++;
            JniUtils.setNumThreads(steps % 2 == 1 ? 1 : many);
          }

          @Override
          public int singleThreadSteps() {
            return steps / 2;
          }

          @Override
          public void close() {
            JniUtils.setNumThreads(many);
          }
        };

    JniUtils.setNumThreads(many);
    TrainingResult fixed = Trainer.train(config, data, new ThreadTuner.Untuned());
    TrainingResult switching = Trainer.train(config, data, alternating);

    assertThat(switching.singleThreadSteps()).isPositive();
    assertThat(switching.stepLosses()).isEqualTo(fixed.stepLosses());
    assertThat(lossesAndAccuracies(switching)).isEqualTo(lossesAndAccuracies(fixed));
    assertThat(switching.test().loss()).isEqualTo(fixed.test().loss());
    assertThat(switching.test().report()).isEqualTo(fixed.test().report());
  }

  @Test
  void a_different_seed_gives_different_metrics() {
    TrainingResult first = Trainer.train(small().build(), DATA, TrainingListener.NONE);
    TrainingResult other = Trainer.train(small().seed(8).build(), DATA, TrainingListener.NONE);

    assertThat(other.stepLosses()).isNotEqualTo(first.stepLosses());
  }

  @Test
  void resuming_from_the_checkpoint_after_epoch_one_equals_the_uninterrupted_run(
      @TempDir Path dir) {
    TrainingConfig config = small().epochs(3).dropout(0.1).lrSchedule(ScheduleKind.COSINE).build();
    TrainingResult uninterrupted = Trainer.train(config, DATA, TrainingListener.NONE);

    Path checkpoint = dir.resolve("run.ckpt");
    AtomicBoolean stop = new AtomicBoolean();
    TrainingListener stopAfterFirstEpoch =
        new TrainingListener() {
          @Override
          public void onEpoch(EpochMetrics metrics) {
            stop.set(true);
          }
        };
    assertThatThrownBy(
            () ->
                Trainer.train(
                    config,
                    DATA,
                    stopAfterFirstEpoch,
                    stop::get,
                    new TrainingOutputs(checkpoint, null, null)))
        .isInstanceOf(TrainingCancelledException.class)
        .hasMessageContaining("after 1 completed epoch");
    assertThat(CheckpointFile.readHeader(checkpoint).epochsCompleted()).isEqualTo(1);

    TrainingResult resumed =
        Trainer.train(
            config,
            DATA,
            TrainingListener.NONE,
            () -> false,
            new TrainingOutputs(null, checkpoint, null));

    assertThat(resumed.resumedFromEpoch()).isEqualTo(1);
    assertThat(lossesAndAccuracies(resumed)).isEqualTo(lossesAndAccuracies(uninterrupted));
    assertThat(resumed.stepLosses()).isEqualTo(uninterrupted.stepLosses());
    assertThat(resumed.test().report()).isEqualTo(uninterrupted.test().report());
  }

  @Test
  void resuming_a_run_without_dropout_replays_the_random_stream_exactly(@TempDir Path dir) {
    TrainingConfig config = small().epochs(3).build();
    TrainingResult uninterrupted = Trainer.train(config, DATA, TrainingListener.NONE);
    Path checkpoint = dir.resolve("run.ckpt");
    Trainer.train(
        config.toBuilder().epochs(1).build(),
        DATA,
        TrainingListener.NONE,
        () -> false,
        new TrainingOutputs(checkpoint, null, null));

    TrainingResult resumed =
        Trainer.train(
            config,
            DATA,
            TrainingListener.NONE,
            () -> false,
            new TrainingOutputs(null, checkpoint, null));

    assertThat(lossesAndAccuracies(resumed)).isEqualTo(lossesAndAccuracies(uninterrupted));
    assertThat(resumed.test().report()).isEqualTo(uninterrupted.test().report());
  }

  @ParameterizedTest
  @MethodSource("optimizers")
  void every_optimizer_lowers_the_loss(TrainingConfig.Builder optimizer) {
    TrainingResult result = Trainer.train(optimizer.epochs(3).build(), DATA, TrainingListener.NONE);

    List<EpochMetrics> epochs = result.epochs();
    assertThat(epochs.get(2).trainLoss()).isLessThan(epochs.get(0).trainLoss());
    assertThat(result.test().accuracy()).isGreaterThan(0.5);
  }

  static Stream<TrainingConfig.Builder> optimizers() {
    return Stream.of(
        small().optimizer(OptimizerKind.SGD).learningRate(0.05),
        small().optimizer(OptimizerKind.SGD).learningRate(0.02).momentum(0.9).nesterov(true),
        small().optimizer(OptimizerKind.SGD).learningRate(0.02).momentum(0.9).weightDecay(1e-4),
        small().optimizer(OptimizerKind.RMSPROP).learningRate(1e-3).momentum(0.5),
        small().optimizer(OptimizerKind.ADAMW).weightDecay(0.01),
        small().optimizer(OptimizerKind.ADAM).weightDecay(1e-4).lrSchedule(ScheduleKind.ONE_CYCLE),
        small()
            .model(ModelKind.CNN)
            .hiddenSizes(null)
            .channels(List.of(4))
            .denseUnits(16)
            .batchNorm(true)
            .dropout(0.1)
            .lrSchedule(ScheduleKind.STEP),
        small().model(ModelKind.LENET5).hiddenSizes(null));
  }

  @Test
  void a_saved_model_file_holds_the_config_and_all_epochs(@TempDir Path dir) {
    Path model = dir.resolve("model.dlm");

    Trainer.train(
        small().build(),
        DATA,
        TrainingListener.NONE,
        () -> false,
        new TrainingOutputs(null, null, model));

    CheckpointHeader header = CheckpointFile.readHeader(model);
    assertThat(header.config()).isEqualTo(small().build());
    assertThat(header.epochsCompleted()).isEqualTo(2);
  }

  @Test
  void resuming_under_a_different_config_is_refused_with_the_differences(@TempDir Path dir) {
    Path checkpoint = dir.resolve("run.ckpt");
    Trainer.train(
        small().epochs(1).build(),
        DATA,
        TrainingListener.NONE,
        () -> false,
        new TrainingOutputs(checkpoint, null, null));

    assertThatThrownBy(
            () ->
                Trainer.train(
                    small().epochs(2).learningRate(0.01).build(),
                    DATA,
                    TrainingListener.NONE,
                    () -> false,
                    new TrainingOutputs(null, checkpoint, null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("learningRate (checkpoint 0.001, now 0.01)");
  }

  @Test
  void a_file_that_is_not_a_checkpoint_is_refused_clearly(@TempDir Path dir) throws Exception {
    Path bogus = Files.writeString(dir.resolve("bogus.ckpt"), "hello");

    assertThatThrownBy(
            () ->
                Trainer.train(
                    small().build(),
                    DATA,
                    TrainingListener.NONE,
                    () -> false,
                    new TrainingOutputs(null, bogus, null)))
        .hasMessageContaining("cannot read checkpoint")
        .hasMessageContaining("bogus.ckpt");
  }

  @Test
  void cancellation_stops_between_batches() {
    AtomicBoolean stop = new AtomicBoolean();
    int[] steps = {0};
    TrainingListener countSteps =
        new TrainingListener() {
          @Override
          public void onStep(StepProgress progress) {
            if (++steps[0] == 3) {
              stop.set(true);
            }
          }
        };

    assertThatThrownBy(
            () -> Trainer.train(small().build(), DATA, countSteps, stop::get, TrainingOutputs.NONE))
        .isInstanceOf(TrainingCancelledException.class);
    assertThat(steps[0]).isEqualTo(3);
  }

  @Test
  void an_invalid_config_is_rejected_before_training() {
    assertThatThrownBy(
            () -> Trainer.train(small().learningRate(-1).build(), DATA, TrainingListener.NONE))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("learningRate must be > 0");
  }

  @Test
  void two_trainers_in_one_process_train_at_the_same_time() throws Exception {
    // An embedded worker with 2 slots trains two trials on two threads of one JVM.
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(2)) {
      var first =
          pool.submit(
              () ->
                  Trainer.train(
                      small().build(),
                      DATA,
                      TrainingListener.NONE,
                      () -> false,
                      TrainingOutputs.NONE));
      var second =
          pool.submit(
              () ->
                  Trainer.train(
                      small().seed(8).build(),
                      DATA,
                      TrainingListener.NONE,
                      () -> false,
                      TrainingOutputs.NONE));
      assertThat(first.get().epochs()).hasSize(2);
      assertThat(second.get().epochs()).hasSize(2);
    }
  }

  private static List<List<Double>> lossesAndAccuracies(TrainingResult result) {
    return result.epochs().stream()
        .map(e -> List.of(e.trainLoss(), e.trainAccuracy(), e.learningRate()))
        .toList();
  }
}
