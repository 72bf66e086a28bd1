package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** submit, ls, show and cancel against a real server on a free port with an H2 file. */
class ClientCommandsTest extends ServerCommandTest {

  @BeforeAll
  static void start() {
    startServer();
  }

  @Test
  void submit_prints_the_new_experiments_id_on_its_own_line() {
    int exit = run("submit", "../examples/grid-lr-batch.yaml");

    assertThat(exit).as(err.toString()).isZero();
    assertThat(out.toString()).matches("\\d+\\R");
    assertThat(err.toString()).contains("6 trial(s) queued");
    // The server is not the default one: the command to run next says which it is.
    assertThat(err.toString())
        .contains("See it with: digitlab show --server " + url + " " + out.toString().trim());
  }

  @Test
  void submit_of_an_invalid_file_lists_every_bad_field_and_fails() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("bad.yaml"),
            "name: bad\nconfig: {optimizer: adamx}\nsearch: {type: grid, parameters: {batchSize:"
                + " []}}\n");

    int exit = run("submit", file.toString());

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString())
        // 'errors' is the problem's JSON field: in a terminal the problems are the lines below.
        .startsWith("error: The experiment cannot run: 2 problem(s):" + System.lineSeparator())
        .doesNotContain("listed in 'errors'")
        .contains("  config.optimizer: must be one of sgd, adam, adamw, rmsprop, got 'adamx'")
        .contains("  search.parameters.batchSize: must list at least one value");
  }

  @Test
  void submit_packs_the_code_folder_uploads_it_once_and_show_says_why_its_trials_wait()
      throws IOException {
    Path code = Files.createDirectories(dir.resolve("diabetes"));
    Files.writeString(code.resolve("train.py"), "print('metric rmse=0.5')\n");
    Files.createDirectories(code.resolve("__pycache__"));
    Files.writeString(code.resolve("__pycache__/x.pyc"), "cache");
    Path file =
        Files.writeString(
            dir.resolve("diabetes.yaml"),
            """
            name: diabetes
            command: [python3, train.py, --alpha, "{alpha}"]
            code: ./diabetes
            search: {type: grid, parameters: {alpha: [0.1, 1.0]}}
            objective: {metric: rmse, goal: min}
            """);

    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    String id = out.toString().trim();
    assertThat(err.toString()).contains("Packed").contains("2 trial(s) queued");
    CodePacker.Packed packed = CodePacker.pack(code);
    // Deterministic: packing again gives the same bytes, so the server keeps one copy.
    assertThat(CodePacker.pack(code).bytes()).isEqualTo(packed.bytes());
    out.getBuffer().setLength(0);
    err.getBuffer().setLength(0);
    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    out.getBuffer().setLength(0);

    assertThat(run("show", id, "-o", "json")).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("sha256:" + packed.sha256())
        .contains("\"kind\":\"command\"");
    out.getBuffer().setLength(0);
    assertThat(run("show", id)).isZero();
    assertThat(out.toString())
        .contains("alpha=0.1")
        .contains("waiting for a worker with capability command")
        .contains("digitlab worker --allow-commands");
  }

  /**
   * The README's command-trial examples, submitted as it says: {@code code:} is relative to the
   * file, so the examples must name their own folder (they named it from the repository's root, and
   * every submit was refused with "…/wine-elasticnet/examples/command/wine-elasticnet is not a
   * folder").
   */
  @Test
  void the_command_examples_submit_as_the_readme_runs_them() {
    for (String example : List.of("diabetes-elasticnet", "digits-svc")) {
      out.getBuffer().setLength(0);
      err.getBuffer().setLength(0);

      int exit = run("submit", "../examples/command/" + example + "/experiment.yaml");

      assertThat(exit).as(err.toString()).isZero();
      assertThat(err.toString()).contains("Packed").contains("9 trial(s) queued");
      assertThat(run("cancel", out.toString().trim())).isZero();
    }
  }

  @Test
  void ls_show_and_cancel_follow_a_submitted_experiment() {
    run("submit", "../examples/grid-lr-batch.yaml");
    String id = out.toString().trim();
    out.getBuffer().setLength(0);

    assertThat(run("ls")).isZero();
    assertThat(out.toString()).startsWith("ID").contains("lr-and-batch").contains("0/6");
    // no token, authentication off: the server records the owner as 'local'
    assertThat(out.toString().lines().filter(line -> line.startsWith(id + " ")).findFirst())
        .hasValueSatisfying(line -> assertThat(line).contains(" local "));
    out.getBuffer().setLength(0);
    assertThat(run("ls", "--owner", "alice")).isZero();
    assertThat(out.toString()).doesNotContain("lr-and-batch");
    out.getBuffer().setLength(0);

    assertThat(run("show", id)).isZero();
    assertThat(out.toString())
        .contains("Experiment " + id + ": lr-and-batch")
        .contains("owner      local")
        .contains("BEST_SO_FAR")
        .contains("learningRate=0.003 batchSize=128");
    assertThat(out.toString().lines().filter(line -> line.contains(" queued ")).count())
        .isEqualTo(6);
    out.getBuffer().setLength(0);

    assertThat(run("cancel", id)).isZero();
    assertThat(out.toString()).contains("6 trial(s) cancelled");
  }

  @Test
  void show_prints_every_run_as_csv_or_the_experiment_as_json() {
    run("submit", "../examples/grid-lr-batch.yaml");
    String id = out.toString().trim();
    out.getBuffer().setLength(0);

    assertThat(run("show", id, "-o", "csv", "--filter", "params.batchSize = '128'"))
        .as(err.toString())
        .isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.getFirst()).startsWith("run_id,run_name,kind,status,user,start_time");
    assertThat(lines.getFirst()).contains("params.batchSize");
    // Every param, not the web page's first six columns: the searched learningRate sorts after
    // them and was left out, as was the objective test_f1_macro among the metrics.
    assertThat(lines.getFirst()).contains("params.learningRate", "params.seed");
    assertThat(lines).hasSize(1 + 3); // the header, then the three trials with batch size 128
    assertThat(lines.get(1)).contains(",builtin,SCHEDULED,");
    out.getBuffer().setLength(0);

    assertThat(run("show", id, "-o", "json")).isZero();
    assertThat(out.toString()).startsWith("{").contains("\"name\":\"lr-and-batch\"");
    out.getBuffer().setLength(0);

    assertThat(run("show", id, "-o", "csv", "--filter", "metrics.x <> 1")).isEqualTo(1);
    assertThat(err.toString()).contains("Invalid filter");
    assertThat(run("show", id, "-o", "yaml")).isNotZero();
  }

  @Test
  void ls_prints_the_experiments_as_json_or_csv_for_scripts() {
    run("submit", "../examples/grid-lr-batch.yaml");
    String id = out.toString().trim();
    out.getBuffer().setLength(0);

    assertThat(run("ls", "-o", "json")).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("{").contains("\"items\"", "\"lr-and-batch\"");
    out.getBuffer().setLength(0);

    assertThat(run("ls", "-o", "csv")).as(err.toString()).isZero();
    List<String> lines = out.toString().lines().toList();
    assertThat(lines.getFirst()).startsWith("id,name,owner,status,trials_done,trials_total");
    assertThat(lines)
        .anySatisfy(line -> assertThat(line).startsWith(id + ",lr-and-batch,local,queued,0,6,"));
    out.getBuffer().setLength(0);

    assertThat(run("ls", "-o", "yaml")).isNotZero();
    assertThat(err.toString()).contains("yaml");
  }

  @Test
  void generate_completion_writes_a_script_that_completes_every_list_command() {
    assertThat(runExactly("generate-completion")).isZero();
    assertThat(out.toString())
        .contains("complete -F")
        .contains("ls", "show", "model", "pipeline")
        .contains("--output");
  }

  @Test
  void an_unknown_id_is_reported_as_such() {
    int exit = run("show", "987654");

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).startsWith("error: There is no experiment with id 987654.");
  }

  @Test
  void a_refused_parameter_is_said_once() {
    // The server's problem names the field in 'detail' and again in 'errors'; one line is enough.
    int exit = run("ls", "--sort", "bogus");

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "error: sort: must be one of created, updated, name, owner, best_objective,"
                + " best_test_accuracy, best_test_f1_macro, total_train_seconds, status,"
                + " trials_done, got 'bogus'");
  }

  @Test
  void a_server_address_without_http_or_with_the_api_path_says_how_to_write_it() {
    for (String[] bad :
        new String[][] {
          {"localhost:18611", "http://localhost:18611"},
          {"127.0.0.1:18611", "http://127.0.0.1:18611"},
          {"htp://x", "http://x"},
          {"http://127.0.0.1:18611/api/v1", "http://127.0.0.1:18611"},
        }) {
      err.getBuffer().setLength(0);
      int exit = run("ls", "--server", bad[0]);

      assertThat(exit).as(bad[0]).isEqualTo(1);
      assertThat(err.toString().lines().toList())
          .as(bad[0])
          .containsExactly(
              "error: --server (or DIGITLAB_SERVER) is the server's address, e.g. "
                  + bad[1]
                  + "; got '"
                  + bad[0]
                  + "'.");
    }
  }

  @Test
  void an_unreachable_server_is_explained() {
    int exit = run("ls", "--server", "http://127.0.0.1:1");

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("Cannot reach the Digit Lab server at http://127.0.0.1:1");
  }
}
