package dev.digitlab.protocol.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.protocol.experiment.FieldError;
import dev.digitlab.protocol.experiment.FileFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineFilesTest {

  private final PipelineFiles files = new PipelineFiles();

  private List<FieldError> errorsOf(String yaml) {
    try {
      files.read(yaml, FileFormat.YAML);
    } catch (InvalidPipelineException e) {
      return e.errors();
    }
    throw new AssertionError("expected the pipeline to be refused");
  }

  @Test
  void the_shipped_example_expands_its_sweep_into_a_train_and_a_benchmark_per_value()
      throws Exception {
    String text =
        Files.readString(Path.of("..", "examples", "pipelines", "mnist-train-sizes.yaml"));
    PipelineSpec spec = files.read(text, FileFormat.YAML);

    assertThat(spec.steps())
        .extracting(StepSpec::name)
        .containsExactly(
            "ingest",
            "split",
            "eda",
            "train-600",
            "train-800",
            "train-1000",
            "train-1200",
            "benchmark-600",
            "benchmark-800",
            "benchmark-1000",
            "benchmark-1200",
            "summary");
    StepSpec train = spec.step("train-800").orElseThrow();
    assertThat(train.parameters().get("trainSubset").asInt()).isEqualTo(800);
    assertThat(files.trainingConfig(train).trainSubset()).isEqualTo(800);
    assertThat(spec.step("benchmark-800").orElseThrow().dependsOn()).containsExactly("train-800");
    assertThat(spec.step("benchmark-800").orElseThrow().sweepValue()).isEqualTo("800");
    assertThat(spec.step("summary").orElseThrow().dependsOn())
        .containsExactly("benchmark-600", "benchmark-800", "benchmark-1000", "benchmark-1200");
  }

  /**
   * Steps name registered datasets too (the server resolves them at submission): the example reads;
   * a name that cannot be one, and a malformed digest, are refused naming the step.
   */
  @Test
  void steps_name_registered_datasets_and_the_example_on_one_reads() throws Exception {
    PipelineSpec spec =
        files.read(
            Files.readString(Path.of("..", "examples", "datasets", "three-digits-pipeline.yaml")),
            FileFormat.YAML);
    assertThat(spec.step("eda").orElseThrow().parameters().get("dataset").asString())
        .isEqualTo("three-digits");
    assertThat(files.trainingConfig(spec.step("train").orElseThrow()).dataset())
        .isEqualTo("three-digits");

    List<FieldError> errors =
        errorsOf(
            """
            name: bad-datasets
            steps:
              - {name: in, type: ingest, parameters: {dataset: 'Has Spaces'}}
              - {name: cut, type: split, parameters: {dataset: blocks, datasetSha256: abc}}
            """);
    assertThat(errors)
        .extracting(FieldError::path)
        .containsExactly("steps.in.parameters.dataset", "steps.cut.parameters.datasetSha256");
    assertThat(errors.get(0).message())
        .startsWith("step 'in': ")
        .contains("mnist, fashion-mnist or the name of a dataset registered");
    assertThat(errors.get(1).message()).contains("64 lower-case hex digits");
  }

  @Test
  void retries_timeout_and_faults_are_read_and_backoff_doubles() {
    PipelineSpec spec =
        files.read(
            """
            name: p
            steps:
              - name: a
                type: command
                parameters: {executable: "true"}
                retries: {maxAttempts: 4, backoffSeconds: 0.5}
                timeoutSeconds: 2
                faults: {fail: 2, hang: 1}
            """,
            FileFormat.YAML);
    StepSpec a = spec.steps().getFirst();
    assertThat(a.maxAttempts()).isEqualTo(4);
    assertThat(a.timeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(a.backoffBefore(2)).isEqualTo(Duration.ofMillis(500));
    assertThat(a.backoffBefore(3)).isEqualTo(Duration.ofMillis(1000));
    assertThat(a.faults().forAttempt(1)).isEqualTo(StepFaults.Fault.FAIL);
    assertThat(a.faults().forAttempt(2)).isEqualTo(StepFaults.Fault.FAIL);
    assertThat(a.faults().forAttempt(3)).isEqualTo(StepFaults.Fault.HANG);
    assertThat(a.faults().forAttempt(4)).isEqualTo(StepFaults.Fault.NONE);
  }

  @Test
  void an_unknown_step_type_is_refused_naming_the_step_and_the_closest_type() {
    assertThat(
            errorsOf(
                """
                name: p
                steps:
                  - {name: fetch, type: injest}
                """))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path()).isEqualTo("steps.fetch.type");
              assertThat(e.message()).contains("step 'fetch'", "'injest'", "did you mean 'ingest'");
            });
  }

  @Test
  void a_cycle_is_refused_with_the_steps_on_it() {
    assertThat(
            errorsOf(
                """
                name: p
                steps:
                  - {name: start, type: ingest}
                  - {name: a, type: split, dependsOn: [start, c]}
                  - {name: b, type: eda, dependsOn: [a]}
                  - {name: c, type: eda, dependsOn: [b]}
                """))
        .singleElement()
        .satisfies(e -> assertThat(e.message()).contains("depends on itself", "a", "b", "c"));
  }

  @Test
  void a_missing_dependency_is_refused_naming_both_steps() {
    assertThat(
            errorsOf(
                """
                name: p
                steps:
                  - {name: ingest, type: ingest}
                  - {name: split, type: split, dependsOn: [ingst]}
                """))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.path()).isEqualTo("steps.split.dependsOn");
              assertThat(e.message()).contains("step 'split'", "'ingst'", "did you mean 'ingest'");
            });
  }

  @Test
  void bad_parameters_are_refused_naming_the_step_and_parameter() {
    assertThat(
            errorsOf(
                """
                name: p
                steps:
                  - {name: split, type: split, parameters: {ratio: 1.5}}
                  - {name: train, type: train, parameters: {epochs: -1}}
                  - {name: run, type: command, parameters: {args: [x]}}
                  - {name: bench, type: benchmark, dependsOn: [split]}
                """))
        .extracting(FieldError::path)
        .containsExactlyInAnyOrder(
            "steps.split.parameters.ratio",
            "steps.train.parameters.epochs",
            "steps.run.parameters.executable",
            "steps.bench.dependsOn");
  }

  @Test
  void a_command_step_is_refused_what_only_a_process_in_the_server_could_use() {
    // Issue 17: command steps run on workers; the server's env and working directory mean nothing.
    List<FieldError> errors =
        errorsOf(
            """
            name: p
            steps:
              - name: run
                type: command
                parameters: {executable: sh, env: {A: b}, directory: /srv, code: "", "bad name": 1}
            """);
    assertThat(errors)
        .extracting(FieldError::path)
        .containsExactlyInAnyOrder(
            "steps.run.parameters.env",
            "steps.run.parameters.directory",
            "steps.run.parameters.code",
            "steps.run.parameters.bad name");
    assertThat(errors.getFirst().message()).contains("step 'run'");
    assertThat(errors).anySatisfy(e -> assertThat(e.message()).contains("DIGITLAB_PARAM_"));
  }

  @Test
  void a_json_document_reads_like_yaml() {
    PipelineSpec spec =
        files.read(
            """
            {"name": "p", "steps": [{"name": "a", "type": "ingest"},
             {"name": "b", "type": "eda", "dependsOn": ["a"]}]}
            """,
            FileFormat.JSON);
    assertThat(spec.steps()).extracting(StepSpec::name).containsExactly("a", "b");
  }
}
