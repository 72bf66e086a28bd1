package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.model.CnnSpec;
import dev.digitlab.ml.model.MlpSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

class TrainingConfigTest {

  private static final ObjectMapper JSON = Json.mapper();

  @Test
  void defaults_are_the_mlp_recipe_and_valid() {
    TrainingConfig config = TrainingConfig.builder().build();

    assertThat(config.violations()).isEmpty();
    assertThat(config.modelSpec()).isEqualTo(MlpSpec.RECIPE);
    assertThat(config.batchSize()).isEqualTo(128);
    assertThat(config.learningRate()).isEqualTo(1e-3);
    assertThat(config.optimizer()).isEqualTo(OptimizerKind.ADAM);
  }

  @Test
  void every_violation_names_its_field_and_the_allowed_range() {
    TrainingConfig config =
        TrainingConfig.builder()
            .epochs(0)
            .batchSize(-3)
            .learningRate(0)
            .dropout(1.5)
            .validationRatio(0.9)
            .seed(-1)
            .build();

    assertThat(config.violations())
        .extracting(ConfigViolation::toString)
        .containsExactly(
            "dropout must be ≥ 0.0 and < 1.0, got 1.5",
            "epochs must be between 1 and 1000, got 0",
            "batchSize must be between 1 and 65536, got -3",
            "learningRate must be > 0 and ≤ 10, got 0.0",
            "seed must be between 0 and 2147483647, got -1",
            "validationRatio must be between 0 and 0.5, got 0.9");
    assertThatThrownBy(config::requireValid)
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageStartingWith("invalid training config: dropout must be");
  }

  @Test
  void architecture_fields_of_another_model_are_refused_rather_than_ignored() {
    TrainingConfig config =
        TrainingConfig.builder().model(ModelKind.MLP).channels(List.of(8)).batchNorm(true).build();

    assertThat(config.violations())
        .extracting(ConfigViolation::field)
        .containsExactly("channels", "batchNorm");
  }

  @Test
  void nesterov_needs_sgd_with_momentum() {
    TrainingConfig config =
        TrainingConfig.builder().optimizer(OptimizerKind.ADAM).nesterov(true).build();

    assertThat(config.violations())
        .extracting(ConfigViolation::toString)
        .containsExactly("nesterov needs optimizer sgd with momentum > 0");
  }

  @Test
  void a_bad_layer_size_is_reported_with_its_index() {
    TrainingConfig config = TrainingConfig.builder().hiddenSizes(List.of(64, 0)).build();

    assertThat(config.violations())
        .extracting(ConfigViolation::toString)
        .containsExactly("hiddenSizes[1] must be between 1 and 65536, got 0");
  }

  @Test
  void the_cnn_spec_takes_recipe_defaults_for_unset_fields() {
    TrainingConfig config =
        TrainingConfig.builder().model(ModelKind.CNN).channels(List.of(16)).dropout(0.25).build();

    assertThat(config.modelSpec())
        .isEqualTo(new CnnSpec(List.of(16), 128, Activation.RELU, false, 0.25));
  }

  @Test
  void reads_camel_case_json_with_config_names_and_defaults_for_missing_fields() throws Exception {
    TrainingConfig config =
        JSON.readValue(
            """
            {"model": "cnn", "epochs": 3, "optimizer": "sgd", "momentum": 0.9,
             "lrSchedule": "one-cycle", "trainSubset": 2000, "seed": 1}
            """,
            TrainingConfig.class);

    assertThat(config.model()).isEqualTo(ModelKind.CNN);
    assertThat(config.lrSchedule()).isEqualTo(ScheduleKind.ONE_CYCLE);
    assertThat(config.batchSize()).isEqualTo(128);
    assertThat(config.violations()).isEmpty();
    assertThat(JSON.readValue(JSON.writeValueAsString(config), TrainingConfig.class))
        .isEqualTo(config);
  }

  @Test
  void an_unknown_optimizer_name_lists_the_allowed_ones() {
    assertThatThrownBy(() -> OptimizerKind.parse("adagrad"))
        .isInstanceOf(InvalidConfigException.class)
        .hasMessageContaining("optimizer must be one of sgd, adam, adamw, rmsprop, got 'adagrad'");
  }

  @Test
  void an_unknown_json_field_is_an_error_not_silently_ignored() {
    assertThatThrownBy(() -> JSON.readValue("{\"learningrate\": 0.1}", TrainingConfig.class))
        .hasMessageContaining("learningrate");
  }
}
