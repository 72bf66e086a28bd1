package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code digitlab show} of a command experiment whose program fails for some values: each trial's
 * objective is a column, and why the failed ones failed is said under the table, once for the
 * trials that failed alike (it said "failed" for each, and nothing of why).
 */
class ShowCommandExperimentTest extends ServerCommandTest {

  @BeforeAll
  static void start() {
    startServer("--digitlab.worker.slots=1", "--digitlab.commands.allowed=true");
  }

  @Test
  void a_command_experiments_trials_show_their_objective_and_why_they_failed() throws IOException {
    Path code = Files.createDirectories(dir.resolve("code"));
    // x = 1 reports a score; any other x fails as a Python program without its library does,
    // naming a path of its own in the middle of the traceback.
    Files.writeString(
        code.resolve("run.sh"),
        """
        if [ "$1" = 1 ]; then echo "metric score=0.25"; exit 0; fi
        echo "Traceback (most recent call last):" >&2
        echo "  File \\"/work/$1/train.py\\", line 15, in <module>" >&2
        echo "ModuleNotFoundError: No module named 'sklearn'" >&2
        exit 1
        """);
    Path file =
        Files.writeString(
            dir.resolve("experiment.yaml"),
            """
            name: half-broken
            command: [sh, run.sh, "{x}"]
            code: ./code
            search: {type: grid, parameters: {x: [1, 2, 3]}}
            objective: {metric: score, goal: min}
            """);
    assertThat(run("submit", file.toString())).as(err.toString()).isZero();
    String id = out.toString().trim();
    run("watch", id); // until the experiment ends
    out.getBuffer().setLength(0);

    assertThat(run("show", id)).as(err.toString()).isZero();

    String shown = out.toString();
    String header = shown.lines().filter(l -> l.startsWith("TRIAL")).findFirst().orElseThrow();
    assertThat(header).contains("SCORE").doesNotContain("TEST_ACC", "TEST_F1");
    assertThat(shown.lines().filter(l -> l.matches("\\d+ +0 .*")).findFirst())
        .hasValueSatisfying(row -> assertThat(row).contains("succeeded").contains("0.2500"));
    assertThat(shown)
        .contains(
            "  failed     #1 #2: sh exited with status 1: Traceback (most recent call last): …"
                + " ModuleNotFoundError: No module named 'sklearn'")
        .contains("its log: digitlab logs --server " + url + " ");
  }
}
