package dev.digitlab.protocol.experiment;

import static dev.digitlab.protocol.experiment.ExperimentFilesTest.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.digitlab.ml.train.TrainingConfig;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.IntNode;

class SearchErrorsTest {

  private final ExperimentFiles files = new ExperimentFiles();

  private List<String> errorsOf(String search) {
    String yaml = "name: x\nconfig: {model: mlp}\nsearch:\n" + search.stripIndent().indent(2);
    return messages(() -> files.read(yaml, FileFormat.YAML));
  }

  @Test
  void another_tools_name_for_a_field_suggests_ours() {
    // Optuna's n_trials, Ray Tune's num_samples, W&B sweeps' method: too far from ours to be
    // typos, so nothing was suggested.
    assertThat(errorsOf("type: random\nn_trials: 3\nparameters: {seed: [1, 2]}"))
        .contains("search.n_trials: unknown field 'n_trials' at search; did you mean 'samples'?");
    assertThat(errorsOf("method: grid\nparameters: {seed: [1, 2]}"))
        .contains("search.method: unknown field 'method' at search; did you mean 'type'?");
  }

  @Test
  void a_value_of_the_wrong_type_is_named_by_its_index() {
    assertThat(errorsOf("type: grid\nparameters:\n  batchSize: [64, fast]"))
        .containsExactly("search.parameters.batchSize[1]: must be a whole number, got 'fast'");
  }

  @Test
  void a_bad_grid_value_is_reported_once_not_per_trial() {
    assertThat(
            errorsOf(
                "type: grid\nparameters:\n  learningRate: [0.1, 0.01, -0.5]\n  batchSize: [32, 64, 128]"))
        .containsExactly("search.parameters.learningRate[2]: must be > 0 and ≤ 10, got -0.5");
  }

  @Test
  void an_unknown_optimizer_in_a_grid_is_named() {
    assertThat(errorsOf("type: grid\nparameters:\n  optimizer: [adam, adamx]"))
        .containsExactly(
            "search.parameters.optimizer[1]: must be one of sgd, adam, adamw, rmsprop, got 'adamx'");
  }

  @Test
  void a_bad_layer_inside_a_listed_value_is_named_by_both_indexes() {
    assertThat(errorsOf("type: grid\nparameters:\n  hiddenSizes: [[256, 128], [64, 0]]"))
        .containsExactly("search.parameters.hiddenSizes[1][1]: must be between 1 and 65536, got 0");
  }

  @Test
  void an_empty_list_and_an_unknown_parameter_are_refused() {
    assertThat(errorsOf("type: grid\nparameters:\n  batchSize: []\n  learningrate: [0.1]"))
        .containsExactly(
            "search.parameters.batchSize: must list at least one value",
            "search.parameters.learningrate: unknown field 'learningrate' at search.parameters;"
                + " did you mean 'learningRate'?");
  }

  @Test
  void an_empty_grid_is_refused() {
    assertThat(errorsOf("type: grid\nparameters: {}"))
        .containsExactly(
            "search.parameters: must name at least one parameter (leave search out to run the"
                + " base config once)");
  }

  @Test
  void range_mistakes_name_the_bound() {
    assertThat(
            errorsOf(
                """
                type: random
                samples: 4
                parameters:
                  learningRate: {min: 0.1, max: 0.01}
                  weightDecay: {min: 0, max: 0.1, scale: log}
                  dropout: {min: 0, max: 1.5}
                  momentum: {min: 0, max: 0.9, scale: cubic}
                """))
        .containsExactlyInAnyOrder(
            "search.parameters.learningRate.min: must be ≤ max (0.01), got 0.1",
            "search.parameters.weightDecay.min: must be > 0 for a log scale, got 0",
            "search.parameters.momentum.scale: must be linear or log, got 'cubic'",
            "search.parameters.dropout.max: must be ≥ 0.0 and < 1.0, got 1.5");
  }

  @Test
  void ranges_belong_to_random_search_and_numeric_fields() {
    assertThat(
            errorsOf(
                "type: grid\nparameters:\n  learningRate: {min: 0.001, max: 0.1}\n"
                    + "  optimizer: [adam]"))
        .containsExactly(
            "search.parameters.learningRate: a grid needs a list of values; ranges {min, max} are"
                + " for random search");
    assertThat(errorsOf("type: random\nsamples: 2\nparameters:\n  optimizer: {min: 1, max: 2}"))
        .containsExactly(
            "search.parameters.optimizer: a range needs a numeric field, but optimizer takes one"
                + " of sgd, adam, adamw, rmsprop; list the values instead");
  }

  @Test
  void a_rule_linking_two_fields_is_reported_for_the_trials_that_break_it() {
    String yaml =
        """
        name: x
        config: {momentum: 0.9}
        search:
          type: grid
          parameters:
            optimizer: [sgd, adam]
        """;

    assertThat(messages(() -> files.read(yaml, FileFormat.YAML)))
        .containsExactly(
            "trials[1].momentum: applies to optimizers sgd and rmsprop only (in the trial with"
                + " optimizer=adam)");
  }

  @Test
  void a_base_config_problem_every_trial_shares_is_reported_once_at_config() {
    String yaml =
        """
        name: x
        config: {model: mlp, channels: [8]}
        search:
          type: grid
          parameters:
            batchSize: [32, 64, 128]
        """;

    assertThat(messages(() -> files.read(yaml, FileFormat.YAML)))
        .containsExactly("config.channels: applies to model cnn only");
  }

  @Test
  void the_cap_is_checked_before_the_grid_is_built() {
    StringBuilder yaml = new StringBuilder("name: huge\nsearch:\n  type: grid\n  parameters:\n");
    for (String field :
        List.of(
            "batchSize",
            "epochs",
            "lrStepEpochs",
            "trainSubset",
            "seed",
            "learningRate",
            "dropout",
            "lrGamma",
            "weightDecay",
            "validationRatio")) {
      yaml.append("    ").append(field).append(": ").append(tenValues(field)).append('\n');
    }

    long start = System.nanoTime();
    List<String> errors = messages(() -> files.read(yaml.toString(), FileFormat.YAML));

    assertThat(errors)
        .containsExactly(
            "search: search expands to 10000000000 trials; the cap is 256 (set"
                + " digitlab.experiments.max-trials to raise it)");
    // Building 10^10 configs would take hours and run out of memory long before.
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
  }

  @Test
  void the_cap_is_the_callers_to_set() {
    ExperimentSpec spec = files.read(ExperimentFilesTest.LR_AND_BATCH, FileFormat.YAML);

    assertThat(TrialExpansion.trialCount(spec)).isEqualTo(6);
    assertThatThrownBy(() -> TrialExpansion.expand(spec, 5))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("search expands to 6 trials; the cap is 5");
    ExperimentFiles strict = new ExperimentFiles(ExperimentLimits.DEFAULTS.withMaxTrials(4));
    assertThatThrownBy(() -> strict.read(ExperimentFilesTest.LR_AND_BATCH, FileFormat.YAML))
        .hasMessageContaining("the cap is 4");
  }

  @Test
  void a_spec_built_in_code_is_checked_by_the_expansion_too() {
    ExperimentSpec spec =
        ExperimentSpec.of("coded", TrainingConfig.builder().build())
            .withSearch(
                SearchSpace.grid(
                    List.of(
                        new SearchParameter(
                            "batchSize",
                            new ParameterDomain.Choice(List.of(IntNode.valueOf(0)))))));

    InvalidExperimentException refused =
        catchThrowableOfType(
            InvalidExperimentException.class, () -> TrialExpansion.expand(spec, 256));

    assertThat(refused.errors())
        .containsExactly(
            new FieldError("search.parameters.batchSize[0]", "must be between 1 and 65536, got 0"));
  }

  private static String tenValues(String field) {
    List<String> values = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      values.add(
          switch (field) {
            case "learningRate", "lrGamma" -> Double.toString(i / 100.0);
            case "dropout", "weightDecay", "validationRatio" -> Double.toString(i / 100.0);
            case "trainSubset" -> Integer.toString(i * 100);
            default -> Integer.toString(i);
          });
    }
    return values.toString();
  }
}
