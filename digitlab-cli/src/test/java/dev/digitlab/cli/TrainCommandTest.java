package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

class TrainCommandTest {

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cli = DigitLab.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    return cli.execute(args);
  }

  @Test
  void an_invalid_hyperparameter_names_the_option_and_its_range() {
    int exit = run("train", "--lr", "-1", "--epochs", "0");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .contains("--epochs must be between 1 and 1000, got 0")
        .contains("--lr must be > 0 and ≤ 10, got -1.0");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void an_unknown_optimizer_lists_the_allowed_ones() {
    int exit = run("train", "--optimizer", "adagrad");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("must be one of sgd, adam, adamw, rmsprop");
  }

  @Test
  void an_unknown_dataset_is_refused_before_any_download() {
    int exit = run("train", "--dataset", "cifar10");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("Unknown dataset 'cifar10'").contains("mnist");
  }

  @Test
  void options_of_another_model_are_refused() {
    int exit = run("train", "--model", "lenet5", "--dropout", "0.5");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--dropout is fixed at 0 by the lenet5 recipe");
  }

  /**
   * End to end on the real MNIST files: the data home's copy (fetched by {@code .ci/run}, or here
   * on first use), one epoch of the mlp recipe, the JSON a benchmark reads.
   */
  @Test
  void trains_the_mlp_recipe_on_real_mnist_and_prints_one_json_object() throws Exception {
    int exit = run("train", "--model", "mlp", "--epochs", "1", "--json");

    assertThat(exit).as(err.toString()).isZero();
    JsonNode result = Json.mapper().readTree(out.toString());
    assertThat(result.get("model").asString()).isEqualTo("mlp");
    assertThat(result.get("epochs").asInt()).isEqualTo(1);
    assertThat(result.get("images_per_second").asDouble()).isPositive();
    assertThat(result.get("epoch_seconds")).hasSize(1);
    assertThat(result.get("test_accuracy").asDouble()).isGreaterThan(0.95);
    assertThat(result.get("test_f1_macro").asDouble()).isGreaterThan(0.95);
    assertThat(result.get("confusion_matrix")).hasSize(10);
    assertThat(result.get("misclassified").asLong()).isPositive();
  }

  /** Options left out take the fast recipe's defaults; the ones given win over them. */
  @Test
  void the_fast_model_brings_its_training_defaults_and_typed_options_override_them()
      throws Exception {
    int exit = run("train", "--model", "fast", "--train-subset", "1000", "--epochs", "1", "--json");

    assertThat(exit).as(err.toString()).isZero();
    JsonNode config = Json.mapper().readTree(out.toString()).get("config");
    assertThat(config.get("model").asString()).isEqualTo("fast");
    assertThat(config.get("epochs").asInt()).isEqualTo(1);
    assertThat(config.get("batchSize").asInt()).isEqualTo(256);
    assertThat(config.get("optimizer").asString()).isEqualTo("sgd");
    assertThat(config.get("nesterov").asBoolean()).isTrue();
    assertThat(config.get("lrSchedule").asString()).isEqualTo("one-cycle");
  }
}
