package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.digitlab.ml.data.DatasetId;
import dev.digitlab.ml.data.LoadedDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two trials training at once in one JVM (a worker with two slots) share libtorch's global
 * generator: each must still give exactly the metrics it gives alone, with and without dropout.
 * Real MNIST from the data home, as {@link FastRecipeTest}; skipped without it.
 */
class ConcurrentTrainingTest {

  private static final Path MNIST =
      (System.getenv("DIGITLAB_HOME") != null
              ? Path.of(System.getenv("DIGITLAB_HOME"))
              : Path.of(System.getProperty("user.home"), ".digitlab"))
          .resolve("datasets/mnist");

  private static LoadedDataset mnist;

  @BeforeAll
  static void readMnist() {
    assumeTrue(
        Files.isRegularFile(MNIST.resolve("train-images-idx3-ubyte")),
        "MNIST is not in " + MNIST + ": run ./digitlab data fetch");
    mnist = LoadedDataset.read(DatasetId.byName("mnist").spec(), MNIST);
  }

  private static TrainingConfig config(double dropout) {
    return TrainingConfig.builder()
        .model(ModelKind.MLP)
        .hiddenSizes(List.of(64, 32))
        .dropout(dropout)
        .trainSubset(1_500)
        .batchSize(50)
        .epochs(3)
        .device(DeviceChoice.CPU)
        .seed(11)
        .build();
  }

  static Stream<Arguments> pairs() {
    return Stream.of(Arguments.of(0.0, 0.0), Arguments.of(0.3, 0.3), Arguments.of(0.0, 0.3));
  }

  @ParameterizedTest(name = "dropout {0} beside dropout {1}")
  @MethodSource("pairs")
  void each_of_two_concurrent_trials_equals_the_same_trial_trained_alone(double a, double b)
      throws Exception {
    TrainingConfig first = config(a);
    TrainingConfig second = config(b);
    TrainingData firstData = TrainingData.from(mnist, first);
    TrainingData secondData = TrainingData.from(mnist, second);
    TrainingResult firstAlone = Trainer.train(first, firstData, TrainingListener.NONE);
    TrainingResult secondAlone = Trainer.train(second, secondData, TrainingListener.NONE);

    CyclicBarrier start = new CyclicBarrier(2);
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      CompletableFuture<TrainingResult> firstBeside =
          CompletableFuture.supplyAsync(() -> trainAfter(start, first, firstData), threads);
      CompletableFuture<TrainingResult> secondBeside =
          CompletableFuture.supplyAsync(() -> trainAfter(start, second, secondData), threads);

      assertSame(firstBeside.get(), firstAlone);
      assertSame(secondBeside.get(), secondAlone);
    } finally {
      threads.shutdown();
    }
  }

  private static TrainingResult trainAfter(
      CyclicBarrier start, TrainingConfig config, TrainingData data) {
    try {
      start.await();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
    return Trainer.train(config, data, TrainingListener.NONE);
  }

  private static void assertSame(TrainingResult beside, TrainingResult alone) {
    assertThat(beside.stepLosses()).isEqualTo(alone.stepLosses());
    assertThat(metrics(beside)).isEqualTo(metrics(alone));
    assertThat(beside.test().report()).isEqualTo(alone.test().report());
    assertThat(beside.test().loss()).isEqualTo(alone.test().loss());
  }

  private static List<List<Double>> metrics(TrainingResult result) {
    return result.epochs().stream()
        .map(
            e ->
                List.of(
                    e.trainLoss(),
                    e.trainAccuracy(),
                    e.validationLoss() == null ? Double.NaN : e.validationLoss(),
                    e.validationAccuracy() == null ? Double.NaN : e.validationAccuracy()))
        .toList();
  }
}
