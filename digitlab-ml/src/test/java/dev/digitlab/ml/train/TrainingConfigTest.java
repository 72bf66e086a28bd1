package dev.digitlab.ml.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import dev.digitlab.ml.model.Activation;
import dev.digitlab.ml.model.CnnSpec;
import dev.digitlab.ml.model.FastSpec;
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
  void the_fast_recipe_brings_its_training_defaults_and_what_is_given_wins() {
    TrainingConfig fast = TrainingConfig.builder().model(ModelKind.FAST).build();

    assertThat(fast.violations()).isEmpty();
    assertThat(fast.modelSpec()).isEqualTo(FastSpec.RECIPE);
    assertThat(fast.epochs()).isEqualTo(2);
    assertThat(fast.batchSize()).isEqualTo(256);
    assertThat(fast.learningRate()).isEqualTo(0.4);
    assertThat(fast.optimizer()).isEqualTo(OptimizerKind.SGD);
    assertThat(fast.momentum()).isEqualTo(0.9);
    assertThat(fast.nesterov()).isTrue();
    assertThat(fast.weightDecay()).isEqualTo(5e-4);
    assertThat(fast.lrSchedule()).isEqualTo(ScheduleKind.ONE_CYCLE);

    TrainingConfig.Builder own =
        TrainingConfig.builder().model(ModelKind.FAST).epochs(5).optimizer(OptimizerKind.ADAM);
    assertThat(own.build().epochs()).isEqualTo(5);
    // Momentum and Nesterov are the recipe's only with its optimizer: Adam stays valid.
    assertThat(own.build().momentum()).isZero();
    assertThat(own.build().nesterov()).isFalse();
    assertThat(own.build().batchSize()).isEqualTo(256);
    assertThat(own.build().violations()).isEmpty();
  }

  @Test
  void a_stored_fast_config_reads_back_unchanged_and_a_partial_one_takes_the_recipe()
      throws Exception {
    TrainingConfig stored =
        TrainingConfig.builder().model(ModelKind.FAST).batchSize(512).learningRate(0.2).build();

    assertThat(JSON.readValue(JSON.writeValueAsString(stored), TrainingConfig.class))
        .isEqualTo(stored);
    assertThat(stored.toBuilder().build()).isEqualTo(stored);
    assertThat(JSON.readValue("{\"model\": \"fast\", \"seed\": 3}", TrainingConfig.class))
        .isEqualTo(TrainingConfig.builder().model(ModelKind.FAST).seed(3).build());
    // The other models keep the benchmark recipes' defaults.
    assertThat(JSON.readValue("{\"model\": \"cnn\"}", TrainingConfig.class).batchSize())
        .isEqualTo(128);
  }

  @Test
  void the_fast_network_is_fixed() {
    TrainingConfig config =
        TrainingConfig.builder()
            .model(ModelKind.FAST)
            .batchNorm(true)
            .dropout(0.1)
            .activation(Activation.TANH)
            .build();

    assertThat(config.violations())
        .extracting(ConfigViolation::toString)
        .containsExactly(
            "batchNorm is built into the fast recipe; leave it unset",
            "dropout is fixed at 0 by the fast recipe; use mlp or cnn",
            "activation is fixed at relu by fast; use mlp or cnn");
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

  @Test
  void the_rules_in_words_name_real_fields_and_the_bounds_that_violations_enforce() {
    List<String> fields =
        java.util.Arrays.stream(TrainingConfig.class.getRecordComponents())
            .map(java.lang.reflect.RecordComponent::getName)
            .toList();
    assertThat(fields).containsAll(TrainingConfig.RULES.keySet());
    assertThat(TrainingConfig.RULES.get("epochs")).isEqualTo("1–1000");
    assertThat(TrainingConfig.builder().epochs(1001).build().violations())
        .singleElement()
        .extracting(ConfigViolation::message)
        .isEqualTo("must be between 1 and 1000, got 1001");
    assertThat(TrainingConfig.RULES.get("validationRatio")).endsWith("0–0.5");
    assertThat(TrainingConfig.builder().validationRatio(0.6).build().violations())
        .singleElement()
        .extracting(ConfigViolation::message)
        .isEqualTo("must be between 0 and 0.5, got 0.6");
  }
}
