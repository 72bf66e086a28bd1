package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.model.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelBenchmarkTest {

  @Test
  void a_saved_model_scores_on_the_test_set_what_the_trainer_measured(@TempDir Path dir) {
    TrainingData data = SyntheticDigits.data(600, 200);
    Path model = dir.resolve("model.dlm");
    TrainingConfig config =
        TrainingConfig.builder()
            .model(ModelKind.MLP)
            .hiddenSizes(List.of(32))
            .batchSize(32)
            .epochs(2)
            .device(DeviceChoice.CPU)
            .seed(7)
            .build();
    TrainingResult trained =
        Trainer.train(
            config,
            data,
            TrainingListener.NONE,
            () -> false,
            new TrainingOutputs(null, null, model));

    ModelBenchmark.Result result = ModelBenchmark.evaluate(model, data.test());

    assertThat(result.config()).isEqualTo(config);
    assertThat(result.report().confusionMatrix())
        .isEqualTo(trained.test().report().confusionMatrix());
    assertThat(result.report().accuracy()).isEqualTo(trained.test().accuracy());
    assertThat(result.rocAuc()).hasSize(ModelSpec.CLASSES);
    assertThat(result.macroRocAuc()).isBetween(0.5, 1.0);
  }
}
