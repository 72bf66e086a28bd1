package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataCommandTest extends CliTest {

  @TempDir Path dir;

  @Test
  void path_shows_where_a_dataset_is_kept() {
    int exit = run("data", "path", "--dataset", "fashion-mnist", "--home", dir.toString());

    assertThat(exit).isZero();
    assertThat(out.toString().trim()).isEqualTo(dir.resolve("datasets/fashion-mnist").toString());
  }

  @Test
  void fetch_into_a_home_under_a_regular_file_fails_with_advice() throws IOException {
    Path file = Files.writeString(dir.resolve("file"), "x");

    int exit = run("data", "fetch", "--home", file.resolve("home").toString());

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString())
        .startsWith("error: Cannot use " + file.resolve("home/datasets/mnist"))
        .contains(file + " is a file, not a directory")
        .contains("--home DIR or the DIGITLAB_HOME environment variable");
  }

  @Test
  void unknown_dataset_is_rejected_with_the_known_names() {
    int exit = run("data", "fetch", "--dataset", "cifar", "--home", dir.toString());

    assertThat(exit).isNotZero();
    assertThat(err.toString()).contains("Known datasets: mnist, fashion-mnist");
  }
}
