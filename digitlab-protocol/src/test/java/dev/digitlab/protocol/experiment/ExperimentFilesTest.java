package dev.digitlab.protocol.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.digitlab.ml.train.ModelKind;
import dev.digitlab.ml.train.OptimizerKind;
import dev.digitlab.ml.train.TrainingConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ExperimentFilesTest {

  static final String LR_AND_BATCH =
      """
      name: lr-and-batch
      dataset: mnist
      config: {model: mlp, epochs: 1, optimizer: adam, trainSubset: 2000, seed: 1}
      search:
        type: grid
        parameters:
          learningRate: [0.01, 0.003, 0.001]
          batchSize: [64, 128]
      objective: {metric: test_f1_macro, goal: max}
      """;

  private final ExperimentFiles files = new ExperimentFiles();

  @Test
  void the_issue_example_expands_to_six_trials_first_parameter_slowest() {
    ExperimentSpec spec = files.read(LR_AND_BATCH, FileFormat.AUTO);

    List<TrainingConfig> trials = TrialExpansion.expand(spec, 256);

    assertThat(trials)
        .extracting(TrainingConfig::learningRate, TrainingConfig::batchSize)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(0.01, 64),
            org.assertj.core.groups.Tuple.tuple(0.01, 128),
            org.assertj.core.groups.Tuple.tuple(0.003, 64),
            org.assertj.core.groups.Tuple.tuple(0.003, 128),
            org.assertj.core.groups.Tuple.tuple(0.001, 64),
            org.assertj.core.groups.Tuple.tuple(0.001, 128));
    assertThat(trials)
        .allSatisfy(
            trial -> {
              assertThat(trial.model()).isEqualTo(ModelKind.MLP);
              assertThat(trial.optimizer()).isEqualTo(OptimizerKind.ADAM);
              assertThat(trial.trainSubset()).isEqualTo(2000);
              assertThat(trial.seed()).isEqualTo(1);
              assertThat(trial.dataset()).isEqualTo("mnist");
            });
    assertThat(spec.objective()).isEqualTo(Objective.DEFAULT);
    assertThat(spec.maxParallelTrials()).isEqualTo(1);
  }

  @Test
  void json_with_the_same_fields_reads_to_the_same_spec() {
    String json =
        """
        {"name": "lr-and-batch", "dataset": "mnist",
         "config": {"model": "mlp", "epochs": 1, "optimizer": "adam", "trainSubset": 2000, "seed": 1},
         "search": {"type": "grid",
                    "parameters": {"learningRate": [0.01, 0.003, 0.001], "batchSize": [64, 128]}},
         "objective": {"metric": "test_f1_macro", "goal": "max"}}
        """;

    assertThat(files.read(json, FileFormat.AUTO))
        .isEqualTo(files.read(LR_AND_BATCH, FileFormat.YAML));
  }

  @Test
  void a_spec_written_as_json_reads_back_equal() {
    for (String yaml : List.of(LR_AND_BATCH, RandomSearchTest.RANDOM)) {
      ExperimentSpec spec = files.read(yaml, FileFormat.YAML);

      String json = files.toJson(spec);

      assertThat(files.read(json, FileFormat.JSON)).isEqualTo(spec);
    }
  }

  @Test
  void searched_values_are_kept_in_the_form_the_config_uses() {
    ExperimentSpec spec =
        files.read(
            "name: x\nsearch: {type: grid, parameters: {optimizer: [SGD, adam], learningRate:"
                + " ['1e-2']}}",
            FileFormat.YAML);

    assertThat(spec.search().parameters())
        .extracting(p -> ((ParameterDomain.Choice) p.domain()).values().toString())
        .containsExactly("[\"sgd\", \"adam\"]", "[0.01]");
  }

  @Test
  void a_parameter_written_in_the_wrong_shape_is_reported_once() {
    assertThat(errorsOf("name: x\nsearch: {type: grid, parameters: {batchSize: 64}}"))
        .containsExactly(
            "search.parameters.batchSize: must be a list of values, or a range {min, max} for"
                + " random search; write [64] for a single value");
  }

  @Test
  void leaving_fields_out_takes_the_defaults() {
    ExperimentSpec spec = files.read("name: quick", FileFormat.YAML);

    assertThat(spec.dataset()).isEqualTo("mnist");
    assertThat(spec.config()).isEqualTo(TrainingConfig.builder().build());
    assertThat(spec.search()).isNull();
    assertThat(spec.objective()).isEqualTo(Objective.DEFAULT);
    assertThat(spec.priority()).isZero();
    assertThat(TrialExpansion.expand(spec, 256)).containsExactly(spec.config());
  }

  @Test
  void a_metric_alone_takes_its_natural_goal() {
    ExperimentSpec spec = files.read("name: x\nobjective: {metric: test_loss}", FileFormat.YAML);

    assertThat(spec.objective()).isEqualTo(new Objective(ObjectiveMetric.TEST_LOSS, Goal.MIN));
  }

  @Test
  void the_experiment_dataset_becomes_the_config_dataset() {
    ExperimentSpec spec =
        files.read("name: x\ndataset: fashion-mnist\nconfig: {epochs: 2}", FileFormat.YAML);

    assertThat(spec.config().dataset()).isEqualTo("fashion-mnist");
    assertThat(errorsOf("name: x\ndataset: fashion-mnist\nconfig: {dataset: mnist}"))
        .containsExactly(
            "config.dataset: must equal the experiment's dataset 'fashion-mnist', got 'mnist';"
                + " leave it out of config");
  }

  @Test
  void an_unknown_field_is_named_with_the_closest_known_one() {
    assertThat(errorsOf("name: x\nconfig: {learningrate: 0.1}"))
        .containsExactly(
            "config.learningrate: unknown field 'learningrate' at config; did you mean"
                + " 'learningRate'?");
    assertThat(errorsOf("nmae: x")).contains("nmae: unknown field 'nmae'; did you mean 'name'?");
  }

  @Test
  void every_problem_of_a_document_is_reported_at_once() {
    String yaml =
        """
        name: ""
        tags: [ok, Bad Tag, ok]
        config: {optimizer: adamx, learningRate: -1, epochs: lots}
        objective: {metric: accuracy, goal: up}
        maxParallelTrials: 0
        priority: 101
        """;

    assertThat(errorsOf(yaml))
        .containsExactlyInAnyOrder(
            "name: is required",
            "tags[1]: must be 1 to 50 lower-case letters, digits, '.', '_' or '-', starting with a"
                + " letter or digit, got 'Bad Tag'",
            "tags[2]: repeats 'ok'",
            "config.optimizer: must be one of sgd, adam, adamw, rmsprop, got 'adamx'",
            "config.epochs: must be a whole number, got 'lots'",
            "config.learningRate: must be > 0 and ≤ 10, got -1.0",
            "objective.metric: must be one of test_accuracy, test_f1_macro, test_loss,"
                + " test_precision_macro, test_recall_macro, train_seconds, images_per_second,"
                + " got 'accuracy'",
            "objective.goal: must be max or min, got 'up'",
            "maxParallelTrials: must be between 1 and 64, got 0",
            "priority: must be between -100 and 100, got 101");
  }

  @Test
  void malformed_yaml_names_the_line_and_what_to_fix() {
    String yaml =
        """
        name: broken
        search:
          type: grid
          parameters:
            learningRate: [0.1, 0.01
            batchSize: [64]
        """;

    assertThat(errorsOf(yaml))
        .singleElement()
        .asString()
        .startsWith("malformed YAML at line 6, column 14:")
        .contains("expected ',' or ']'")
        .contains("while parsing a flow sequence that starts at line 5, column 19")
        .endsWith("close the list with ']' or separate its items with ','");
  }

  @Test
  void malformed_json_names_the_line() {
    assertThat(errorsOf("{\"name\": \"x\",\n \"priority\": 1,,\n}"))
        .singleElement()
        .asString()
        .startsWith("malformed JSON at line 2, column 16:");
  }

  @Test
  void a_duplicate_key_is_refused_rather_than_silently_overwritten() {
    assertThat(errorsOf("name: a\nname: b"))
        .containsExactly("at line 2, column 1: the field 'name' appears twice in the same mapping");
  }

  @Test
  void billion_laughs_is_refused_at_its_first_alias_within_a_second() {
    StringBuilder yaml = new StringBuilder("name: lol\ndescription: x\nlol0: &a0 [lol]\n");
    for (int i = 1; i <= 30; i++) {
      yaml.append("lol").append(i).append(": &a").append(i).append(" [");
      yaml.append(String.join(", ", java.util.Collections.nCopies(10, "*a" + (i - 1))));
      yaml.append("]\n");
    }

    long start = System.nanoTime();
    List<String> errors = errorsOf(yaml.toString());
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(errors)
        .containsExactly(
            "at line 4, column 12: YAML aliases (*a0) are not supported in experiment files;"
                + " write the value out in full");
    assertThat(millis).isLessThan(1000);
  }

  @Test
  void deep_nesting_is_refused() {
    String deep = "name: x\ndescription: " + "[".repeat(50) + "]".repeat(50);

    assertThat(errorsOf(deep)).singleElement().asString().contains("nested deeper than 20 levels");
  }

  @Test
  void a_document_over_the_size_limit_is_refused_before_parsing() throws IOException {
    ExperimentFiles small =
        new ExperimentFiles(ExperimentLimits.DEFAULTS.withMaxDocumentBytes(100));
    String big = "name: x\ndescription: " + "y".repeat(200);

    assertThat(messages(() -> small.read(big, FileFormat.YAML)))
        .containsExactly(
            "the document is 221 bytes; the limit is 100 bytes (an experiment file is usually"
                + " under 2 KB)");
    assertThat(
            messages(
                () -> {
                  try {
                    return small.read(
                        new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)),
                        FileFormat.YAML);
                  } catch (IOException e) {
                    throw new AssertionError(e);
                  }
                }))
        .singleElement()
        .asString()
        .contains("more than 100 bytes");
  }

  @Test
  void a_stream_must_hold_utf8() {
    byte[] latin1 = "name: caf\u00e9".getBytes(StandardCharsets.ISO_8859_1);

    assertThatThrownBy(() -> files.read(new ByteArrayInputStream(latin1), FileFormat.YAML))
        .isInstanceOf(InvalidExperimentException.class)
        .hasMessageContaining("not UTF-8");
  }

  @Test
  void a_document_that_is_not_a_mapping_is_refused() {
    assertThat(errorsOf("- a\n- b"))
        .containsExactly(
            "an experiment is a mapping of fields (name, config, search, …), not a list");
    assertThat(errorsOf("   "))
        .containsExactly("the document is empty: an experiment needs at least a name");
  }

  @Test
  void every_file_in_examples_reads_and_expands() throws IOException {
    Path examples = Path.of("..", "examples");
    List<Path> paths;
    try (Stream<Path> listing = Files.list(examples)) {
      paths = listing.filter(p -> p.toString().matches(".*\\.(ya?ml|json)")).sorted().toList();
    }

    assertThat(paths).hasSizeGreaterThanOrEqualTo(4);
    for (Path path : paths) {
      ExperimentSpec spec =
          files.read(Files.readString(path), FileFormat.fromFileName(path.toString()));
      if (spec.search() != null && spec.search().type() == SearchType.TPE) {
        // A TPE search's trials are suggested while it runs; it is checked at reading.
        assertThat(TrialExpansion.trialCount(spec)).as(path.toString()).isPositive();
      } else {
        assertThat(TrialExpansion.expand(spec, 256)).as(path.toString()).isNotEmpty();
      }
    }
    assertThat(
            TrialExpansion.expand(
                files.read(
                    Files.readString(examples.resolve("grid-lr-batch.yaml")), FileFormat.YAML),
                256))
        .hasSize(6);
    // A config that names only the fast model gets the fast recipe's training defaults.
    assertThat(
            TrialExpansion.expand(
                files.read(Files.readString(examples.resolve("fast.yaml")), FileFormat.YAML), 256))
        .hasSize(5)
        .allSatisfy(
            config -> {
              assertThat(config.batchSize()).isEqualTo(256);
              assertThat(config.epochs()).isEqualTo(2);
              assertThat(config.lrSchedule().configName()).isEqualTo("one-cycle");
            });
  }

  private List<String> errorsOf(String text) {
    return messages(() -> files.read(text, FileFormat.AUTO));
  }

  static List<String> messages(java.util.function.Supplier<ExperimentSpec> read) {
    InvalidExperimentException e =
        catchThrowableOfType(InvalidExperimentException.class, read::get);
    assertThat(e).as("expected the experiment to be refused").isNotNull();
    return e.errors().stream().map(FieldError::toString).toList();
  }
}
