package dev.digitlab.protocol.experiment;

import static dev.digitlab.protocol.experiment.ExperimentFilesTest.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.digitlab.ml.json.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.ObjectNode;

class CommandExperimentTest {

  static final String DIABETES =
      """
      name: diabetes-elasticnet
      command: ["python3", "train.py", "--alpha", "{alpha}", "--l1-ratio", "{l1_ratio}", "--seed={seed}"]
      code: sha256:%s
      parameters: {seed: 7}
      timeout: 5m
      search: {type: grid, parameters: {alpha: [0.1, 0.5, 1.0], l1_ratio: [0.2, 0.5, 0.8]}}
      objective: {metric: rmse, goal: min}
      maxParallelTrials: 3
      """
          .formatted("a".repeat(64));

  private final ExperimentFiles files = new ExperimentFiles();

  @Test
  void the_issue_example_expands_to_nine_parameter_trials_with_free_form_objective() {
    ExperimentSpec spec = files.read(DIABETES, FileFormat.YAML);

    assertThat(spec.isCommand()).isTrue();
    assertThat(spec.command().codeSha256()).isEqualTo("a".repeat(64));
    assertThat(spec.command().timeoutSeconds()).isEqualTo(300);
    assertThat(spec.objective().metric().configName()).isEqualTo("rmse");
    assertThat(spec.objective().goal()).isEqualTo(Goal.MIN);
    List<ObjectNode> trials = TrialExpansion.parameterTrials(spec, 256);
    assertThat(trials).hasSize(9);
    assertThat(trials.getFirst().toString())
        .isEqualTo("{\"seed\":7,\"alpha\":0.1,\"l1_ratio\":0.2}");
    assertThat(spec.command().argv(trials.get(5)))
        .containsExactly("python3", "train.py", "--alpha", "0.5", "--l1-ratio", "0.8", "--seed=7");
    assertThatThrownBy(() -> TrialExpansion.expand(spec, 256))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void yaml_and_json_forms_are_the_same_spec_and_round_trip() {
    ExperimentSpec yaml = files.read(DIABETES, FileFormat.YAML);
    String json = files.toJson(yaml);
    ExperimentSpec back = files.read(json, FileFormat.JSON);

    assertThat(back).isEqualTo(yaml);
    assertThat(json).doesNotContain("\"config\"").doesNotContain("\"dataset\"");
  }

  @Test
  void random_and_tpe_search_over_a_program_s_parameters() {
    ExperimentSpec random =
        files.read(
            """
            name: r
            command: [prog, "{lr}", "{depth}", "{kind}"]
            search:
              type: random
              samples: 5
              seed: 3
              parameters: {lr: {min: 0.001, max: 1, scale: log}, depth: {min: 1, max: 9, type: int}, kind: [a, b]}
            objective: {metric: loss, goal: min}
            """,
            FileFormat.YAML);
    List<ObjectNode> trials = TrialExpansion.parameterTrials(random, 256);
    assertThat(trials).hasSize(5);
    for (ObjectNode trial : trials) {
      assertThat(trial.get("lr").asDouble()).isBetween(0.001, 1.0);
      assertThat(trial.get("depth").isIntegralNumber()).isTrue();
      assertThat(trial.get("kind").asString()).isIn("a", "b");
    }

    ExperimentSpec tpe =
        files.read(
            """
            name: t
            command: [prog, "--c={c}", "{kind}"]
            search: {type: tpe, maxTrials: 12, parameters: {c: {min: 0.1, max: 10, scale: log}, kind: [rbf, linear]}}
            objective: {metric: accuracy, goal: max}
            """,
            FileFormat.YAML);
    assertThat(TrialExpansion.parameterTrials(tpe, 256)).isEmpty();
    ObjectNode suggested = TpeTrials.parameters(tpe, Map.of("c", 2.5, "kind", 1.0));
    assertThat(tpe.command().argv(suggested)).containsExactly("prog", "--c=2.5", "linear");
    assertThat(TpeTrials.values(tpe.search(), suggested))
        .containsEntry("c", 2.5)
        .containsEntry("kind", 1.0);
  }

  @Test
  void problems_come_back_as_field_errors() {
    assertThat(
            messages(
                () ->
                    files.read(
                        """
                        name: bad
                        command: [prog, "{alpah}", "{x", "--n={n}"]
                        parameters: {n: 3, "9bad": 1, nested: {a: 1}}
                        config: {epochs: 1}
                        objective: {metric: rmse}
                        """,
                        FileFormat.YAML)))
        .contains(
            "config: applies to built-in models; a command experiment gives its program's values"
                + " under parameters",
            "objective.goal: is required for a metric of your program's: min or max (is a smaller"
                + " rmse better?)",
            "command[2]: has an unmatched brace; write {name} for a parameter, {{ or }} for a brace",
            "parameters.nested: must be text, a number or true/false, not {\"a\":1}")
        .anySatisfy(m -> assertThat(m).startsWith("command[1]: the placeholder {alpah} names no"))
        .anySatisfy(m -> assertThat(m).startsWith("parameters.9bad: a parameter name is"));
    assertThat(messages(() -> files.read("name: x\ncommand: python3 train.py\n", FileFormat.YAML)))
        .anySatisfy(m -> assertThat(m).startsWith("command: must be a list of the program"))
        .anySatisfy(m -> assertThat(m).startsWith("objective: is required for a command"));
    assertThat(
            messages(
                () ->
                    files.read(
                        "name: x\ncommand: [p]\nobjective: {metric: 'Bad Name', goal: max}\n",
                        FileFormat.YAML)))
        .anySatisfy(m -> assertThat(m).startsWith("objective.metric: must be a metric key"));
    // Command fields on a built-in experiment, and a free-form metric there, are refused.
    assertThat(
            messages(
                () ->
                    files.read(
                        "name: x\nparameters: {a: 1}\nobjective: {metric: rmse}\n",
                        FileFormat.YAML)))
        .anySatisfy(m -> assertThat(m).startsWith("parameters: applies to a command experiment"))
        .anySatisfy(m -> assertThat(m).startsWith("objective.metric: must be one of"));
  }

  @Test
  void literal_braces_are_escaped_and_values_render_as_written() {
    CommandSpec command = new CommandSpec(List.of("p", "{{x}}={x}", "{flag}"), null, Map.of(), 0);
    ObjectNode values = Json.mapper().createObjectNode();
    values.put("x", "a b");
    values.put("flag", true);
    assertThat(command.argv(values)).containsExactly("p", "{x}=a b", "true");
    assertThat(command.placeholders()).containsExactly("x", "flag");
  }
}
