package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.json.Json;
import dev.digitlab.testing.SyntheticIdx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

class TrainCommandTest extends CliTest {

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
    assertThat(err.toString())
        .contains("Unknown dataset 'cifar10'")
        .contains("mnist")
        .contains("--dataset-dir DIR");
  }

  @Test
  void a_resume_file_that_is_not_there_is_refused_before_anything_loads(@TempDir Path temp) {
    Path missing = temp.resolve("typo.ckpt");

    int exit = run("train", "--resume", missing.toString());

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("--resume: there is no file " + missing + ".")
        .doesNotContain("was it written by Digit Lab");
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

  /**
   * {@code --dataset-dir}: four IDX files the test made (one gzip-compressed, one named {@code
   * test-…}, as {@code data add} accepts them), checked and trained on; the model records the name
   * given, and nothing is fetched or stored.
   */
  @Test
  void trains_on_four_idx_files_in_a_folder_named_as_data_add_names_them(@TempDir Path temp)
      throws Exception {
    Path dir = SyntheticIdx.write(temp.resolve("blocks"), 400, 100, 4, 21);
    gzip(dir.resolve(SyntheticIdx.TRAIN_IMAGES), dir.resolve("train-images-idx3-ubyte.gz"));
    Files.move(dir.resolve(SyntheticIdx.TEST_LABELS), dir.resolve("test-labels.idx1-ubyte"));
    Path home = temp.resolve("home");

    int exit =
        run(
            "train",
            "--home",
            home.toString(),
            "--dataset-dir",
            dir.toString(),
            "--dataset",
            "four-blocks",
            "--classes",
            "4",
            "--model",
            "mlp",
            "--epochs",
            "3",
            "--lr",
            "0.003",
            "--json");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(err.toString()).contains("400 training and 100 test images, 4 classes");
    JsonNode result = Json.mapper().readTree(out.toString());
    assertThat(result.get("config").get("dataset").asString()).isEqualTo("four-blocks");
    assertThat(result.get("test_accuracy").asDouble()).as(result.toString()).isGreaterThan(0.9);
    assertThat(home.resolve("datasets")).as("nothing fetched or kept").doesNotExist();
  }

  /**
   * A run that blows up says so under its epoch line, and still ends with its (chance) result; a
   * diverged model's NaN outputs failed the test phase before.
   */
  @Test
  void a_diverged_run_is_told_so_and_still_reports(@TempDir Path temp) throws Exception {
    Path dir = SyntheticIdx.write(temp.resolve("blocks"), 400, 100, 4, 21);

    int exit =
        run(
            "train",
            "--home",
            temp.resolve("home").toString(),
            "--dataset-dir",
            dir.toString(),
            "--classes",
            "4",
            "--model",
            "mlp",
            "--epochs",
            "1",
            "--optimizer",
            "sgd",
            "--lr",
            "10",
            "--momentum",
            "0.9",
            "--json");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(err.toString())
        .contains("warning: training diverged: epoch 1's mean training loss")
        .contains("try a lower one (--lr, learningRate)");
    assertThat(Json.mapper().readTree(out.toString()).get("test_accuracy").asDouble())
        .isLessThan(0.5);
  }

  /**
   * A subset larger than the dataset trained on every image without a word; refused before any
   * training, naming the dataset's size, as the server refuses such an experiment.
   */
  @Test
  void a_train_subset_larger_than_the_dataset_is_refused_naming_its_size(@TempDir Path temp) {
    Path dir = SyntheticIdx.write(temp.resolve("blocks"), 400, 100, 4, 21);

    int exit =
        run(
            "train",
            "--dataset-dir",
            dir.toString(),
            "--classes",
            "4",
            "--train-subset",
            "1000",
            "--epochs",
            "1",
            "--json");

    assertThat(exit).as(out.toString()).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "--train-subset 1000 is more than the 400 training images of local: give at most"
                + " 400, or 0 for all of them");
    assertThat(out.toString()).isEmpty();
  }

  /**
   * A built-in dataset's size is fixed, so a subset larger than it is refused before its files are
   * fetched or read: the same words, and neither the data home nor {@code --data-dir} gets a file.
   */
  @Test
  void a_train_subset_larger_than_a_built_in_dataset_is_refused_before_anything_is_fetched(
      @TempDir Path temp) throws Exception {
    Path home = temp.resolve("home");

    int exit = run("train", "--home", home.toString(), "--train-subset", "60001", "--json");

    assertThat(exit).as(err.toString()).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "--train-subset 60001 is more than the 60000 training images of mnist: give at most"
                + " 60000, or 0 for all of them");
    assertThat(out.toString()).isEmpty();
    assertThat(filesUnder(temp)).isEmpty();

    err.getBuffer().setLength(0);
    Path dataDir = temp.resolve("fashion");
    exit =
        run(
            "train",
            "--dataset",
            "fashion-mnist",
            "--data-dir",
            dataDir.toString(),
            "--train-subset",
            "70000");

    assertThat(exit).as(err.toString()).isEqualTo(2);
    assertThat(err.toString())
        .contains("--train-subset 70000 is more than the 60000 training images of fashion-mnist");
    assertThat(filesUnder(temp)).isEmpty();
  }

  private static java.util.List<Path> filesUnder(Path dir) throws Exception {
    try (var walk = Files.walk(dir)) {
      return walk.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void a_dataset_dir_with_bad_files_is_refused_naming_the_file_and_the_fault(@TempDir Path temp)
      throws Exception {
    Path labels = SyntheticIdx.write(temp.resolve("labels"), 40, 10, 10, 1);
    assertThat(run("train", "--dataset-dir", labels.toString(), "--classes", "3")).isEqualTo(2);
    assertThat(err.toString())
        .contains("--dataset-dir: train-labels-idx1-ubyte gives label 3 to item 3")
        .contains("state the class count with --classes");

    Path truncated = SyntheticIdx.write(temp.resolve("truncated"), 40, 10, 10, 2);
    byte[] images = Files.readAllBytes(truncated.resolve(SyntheticIdx.TEST_IMAGES));
    Files.write(
        truncated.resolve(SyntheticIdx.TEST_IMAGES), Arrays.copyOf(images, images.length - 100));
    assertThat(run("train", "--dataset-dir", truncated.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("t10k-images-idx3-ubyte is truncated");

    Path missing = SyntheticIdx.write(temp.resolve("missing"), 40, 10, 10, 3);
    Files.delete(missing.resolve(SyntheticIdx.TRAIN_LABELS));
    assertThat(run("train", "--dataset-dir", missing.toString())).isEqualTo(2);
    assertThat(err.toString()).contains("has no train-labels-idx1-ubyte");

    assertThat(run("train", "--dataset-dir", temp.resolve("nowhere").toString())).isEqualTo(2);
    assertThat(err.toString()).contains("nowhere is not a folder");
  }

  @Test
  void a_dataset_dir_is_not_named_as_a_built_in_dataset(@TempDir Path temp) {
    Path dir = SyntheticIdx.write(temp.resolve("d"), 40, 10, 10, 4);
    assertThat(run("train", "--dataset-dir", dir.toString(), "--dataset", "mnist")).isEqualTo(2);
    assertThat(err.toString()).contains("--dataset mnist is a built-in dataset");
    assertThat(run("train", "--classes", "3")).isEqualTo(2);
    assertThat(err.toString()).contains("--classes applies to --dataset-dir only");
  }

  private static void gzip(Path raw, Path gz) throws Exception {
    try (var in = Files.newInputStream(raw);
        var zip = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
      in.transferTo(zip);
    }
    Files.delete(raw);
  }
}
