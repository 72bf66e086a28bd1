package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** experiment export and import against a real server on a free port with an H2 file. */
class ExperimentTransferCommandTest extends ServerCommandTest {

  @BeforeAll
  static void start() {
    startServer();
  }

  @Test
  void export_writes_a_file_that_import_stores_once_as_a_new_experiment() throws Exception {
    assertThat(run("submit", "../examples/grid-lr-batch.yaml")).as(err.toString()).isZero();
    String id = out.toString().trim();
    out.getBuffer().setLength(0);
    Path file = dir.resolve("moved.tar.gz");

    assertThat(run("export", id, "--out", file.toString())).as(err.toString()).isZero();
    assertThat(out.toString()).contains("Saved experiment " + id + " as " + file);
    assertThat(Files.size(file)).isPositive();
    out.getBuffer().setLength(0);

    // The experiment still lives on this server: importing its export here is refused, naming
    // it, unless a copy is asked for.
    err.getBuffer().setLength(0);
    assertThat(run("import", file.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("export of experiment " + id + " ").contains("--copy");
    out.getBuffer().setLength(0);
    assertThat(run("import", "--copy", file.toString())).as(err.toString()).isZero();
    String copy = out.toString().trim();
    assertThat(copy).matches("\\d+").isNotEqualTo(id);
    out.getBuffer().setLength(0);
    assertThat(run("show", copy)).isZero();
    assertThat(out.toString()).contains("lr-and-batch");
    assertThat(out.toString().lines().filter(line -> line.contains(" cancelled ")).count())
        .isEqualTo(6);

    err.getBuffer().setLength(0);
    assertThat(run("experiment", "import", file.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("export of experiment " + id + " ");

    err.getBuffer().setLength(0);
    Path broken = Files.write(dir.resolve("broken.tar.gz"), new byte[] {0x1f, (byte) 0x8b, 8});
    assertThat(run("import", broken.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("damaged or truncated");

    // The first version's names stay: 'experiment export' writes the same archive.
    out.getBuffer().setLength(0);
    Path again = dir.resolve("again.tar.gz");
    assertThat(run("experiment", "export", id, "-o", again.toString())).isZero();
    err.getBuffer().setLength(0);
    assertThat(run("experiment", "import", again.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("export of experiment " + id + " ");
  }

  @Test
  void export_says_plainly_when_out_is_no_file_it_can_write_and_writes_as_any_new_file()
      throws Exception {
    assertThat(run("submit", "../examples/grid-lr-batch.yaml")).as(err.toString()).isZero();
    String id = out.toString().trim();
    Path missing = dir.resolve("no-such-folder").resolve("e.tar.gz");
    Path folder = Files.createDirectories(dir.resolve("a-folder"));

    err.getBuffer().setLength(0);
    assertThat(run("export", id, "--out", missing.toString())).isEqualTo(1);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "error: There is no folder "
                + missing.getParent()
                + " to write e.tar.gz into: create it first.");
    assertThat(missing.getParent()).doesNotExist();

    err.getBuffer().setLength(0);
    assertThat(run("export", id, "--out", folder.toString())).isEqualTo(1);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "error: "
                + folder
                + " is a folder: give the file to write, e.g. "
                + folder.resolve("experiment-" + id + ".tar.gz")
                + ".");
    assertThat(folder).isEmptyDirectory();

    // The file gets the permissions any new file here gets (the umask's), not a temporary
    // file's owner-only 0600 that another user of the machine cannot read.
    Path file = dir.resolve("shared.tar.gz");
    assertThat(run("export", id, "--out", file.toString())).as(err.toString()).isZero();
    Path plain = Files.createFile(dir.resolve("plain"));
    assertThat(Files.getPosixFilePermissions(file)).isEqualTo(Files.getPosixFilePermissions(plain));
  }

  @Test
  void import_of_a_file_that_is_not_there_says_so_in_one_line() {
    Path missing = dir.resolve("not-there.tar.gz");

    assertThat(run("import", missing.toString())).isEqualTo(2);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "There is no file " + missing + ".", "Try 'digitlab import --help' for the options.");

    err.getBuffer().setLength(0);
    assertThat(run("import", dir.toString())).isEqualTo(2);
    assertThat(err.toString()).startsWith(dir + " is a folder, not a file.");
  }
}
