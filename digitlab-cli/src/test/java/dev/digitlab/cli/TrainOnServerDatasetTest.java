package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.digitlab.ml.data.RegisteredDataset;
import dev.digitlab.ml.json.Json;
import dev.digitlab.testing.SyntheticIdx;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * {@code digitlab train --dataset NAME --server URL} against a real server (no worker): a dataset
 * the test made and registered with {@code data add} is fetched by digest into the local data
 * home's {@code datasets/<digest>/}, checked, trained on locally, and not fetched again; an unknown
 * name is the server's 404 message.
 */
class TrainOnServerDatasetTest extends ServerCommandTest {

  @TempDir static Path files;

  @BeforeAll
  static void start() {
    startServer();
  }

  @Test
  void a_registered_dataset_is_fetched_by_digest_checked_kept_and_trained_on(@TempDir Path dataHome)
      throws Exception {
    Path blocks = SyntheticIdx.write(files.resolve("blocks"), 400, 100, 4, 31);
    assertThat(run("data", "add", "blocks-cli", "--dir", blocks.toString(), "--classes", "4"))
        .as(err.toString())
        .isZero();
    String sha = RegisteredDataset.digest(shas(blocks));
    out.getBuffer().setLength(0);

    String[] train = {
      "train",
      "--home",
      dataHome.toString(),
      "--dataset",
      "blocks-cli",
      "--model",
      "mlp",
      "--epochs",
      "3",
      "--lr",
      "0.003",
      "--json"
    };
    assertThat(run(train)).as(err.toString()).isZero();
    assertThat(err.toString()).contains("Fetching dataset blocks-cli (" + sha + ") from " + url);
    JsonNode result = Json.mapper().readTree(out.toString());
    assertThat(result.get("config").get("dataset").asString()).isEqualTo("blocks-cli");
    assertThat(result.get("test_accuracy").asDouble()).as(result.toString()).isGreaterThan(0.9);
    Path kept = dataHome.resolve("datasets").resolve(sha);
    for (String file : RegisteredDataset.FILE_NAMES) {
      assertThat(Files.readAllBytes(kept.resolve(file)))
          .isEqualTo(Files.readAllBytes(blocks.resolve(file)));
    }

    // Kept: the second run reads the same folder and downloads nothing.
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run(train)).as(err.toString()).isZero();
    assertThat(err.toString())
        .contains("Dataset blocks-cli (" + sha + ") from " + kept)
        .doesNotContain("Fetching");
  }

  /**
   * The server's description of a registered dataset says how many training images it has, so a
   * larger subset is refused in the built-in datasets' words before any file is downloaded.
   */
  @Test
  void a_train_subset_larger_than_a_registered_dataset_is_refused_before_its_files_are_fetched(
      @TempDir Path dataHome) {
    Path blocks = SyntheticIdx.write(files.resolve("blocks-subset"), 400, 100, 4, 37);
    assertThat(run("data", "add", "blocks-subset", "--dir", blocks.toString(), "--classes", "4"))
        .as(err.toString())
        .isZero();
    err.getBuffer().setLength(0);

    int exit =
        run(
            "train",
            "--home",
            dataHome.toString(),
            "--dataset",
            "blocks-subset",
            "--train-subset",
            "1000");

    assertThat(exit).as(err.toString()).isEqualTo(2);
    assertThat(err.toString())
        .contains(
            "--train-subset 1000 is more than the 400 training images of blocks-subset: give at"
                + " most 400, or 0 for all of them")
        .doesNotContain("Fetching");
    assertThat(dataHome.resolve("datasets")).doesNotExist();
  }

  @Test
  void an_unknown_name_is_refused_with_the_servers_message(@TempDir Path dataHome) {
    int exit = run("train", "--home", dataHome.toString(), "--dataset", "no-such-blocks");
    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("No dataset 'no-such-blocks' is registered");
    assertThat(dataHome.resolve("datasets")).doesNotExist();
  }

  private static java.util.List<String> shas(Path dir) throws Exception {
    java.util.List<String> shas = new java.util.ArrayList<>();
    for (String file : RegisteredDataset.FILE_NAMES) {
      shas.add(RegisteredDataset.sha256(dir.resolve(file)));
    }
    return shas;
  }
}
