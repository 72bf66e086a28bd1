package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code pipeline run --wait}, {@code ls}, {@code show}, {@code logs} and {@code report} against a
 * real server; the steps are real processes (the regression example's python3 script, sh).
 */
class PipelineCommandTest extends ServerCommandTest {

  @BeforeAll
  static void start() {
    // Command steps are command trials: the embedded worker, allowed commands, runs them.
    startServer("--digitlab.commands.allowed=true", "--digitlab.worker.slots=1");
  }

  @Test
  void the_regression_example_runs_to_success_and_wait_ends_with_succeeded_and_the_wall_time()
      throws IOException {
    // The example as it is: 'pipeline run' packs its folder (code: .) and uploads it, and its
    // command steps run as command trials on the server's embedded worker (--allow-commands).
    Path file = Path.of("../examples/pipelines/regression/pipeline.yaml");

    int exit = run("pipeline", "run", file.toString(), "--wait", "--poll-ms", "100");

    String[] lines = out.toString().split("\\R");
    assertThat(exit).as(out + "\n" + err).isZero();
    assertThat(err.toString()).contains("Packed ");
    assertThat(lines[lines.length - 1])
        .matches("pipeline run \\d+ succeeded in \\d+\\.\\d\\d s wall time");
    assertThat(out.toString()).contains("fit-0_5 succeeded (attempt 1/2)").contains("r2=0.99");
    String id = lines[0];

    out.getBuffer().setLength(0);
    assertThat(run("pipeline", "show", id)).isZero();
    assertThat(out.toString())
        .contains("Pipeline run " + id + ": regression-noise")
        .contains("succeeded")
        .contains("best_r2=");

    out.getBuffer().setLength(0);
    assertThat(run("pipeline", "logs", id, "fit-0_1")).isZero();
    assertThat(out.toString()).contains("[1] metric rmse=").contains("[1] metric mae=");

    out.getBuffer().setLength(0);
    assertThat(run("pipeline", "ls")).isZero();
    assertThat(out.toString()).startsWith("RUN").contains("regression-noise");
    out.getBuffer().setLength(0);
    assertThat(run("pipeline", "ls", "-o", "json")).isZero();
    assertThat(out.toString())
        .startsWith("[")
        .containsPattern("\"name\"\\s*:\\s*\"regression-noise\"");

    out.getBuffer().setLength(0);
    Path site = dir.resolve("site");
    assertThat(run("pipeline", "report", id, "--out", site.toString())).isZero();
    String html = Files.readString(site.resolve("index.html"));
    assertThat(html)
        .contains("id=\"gantt\"", "id=\"dag\"", "data:image/png;base64,")
        .doesNotContain("http://127.0.0.1", "<script", "src=\"http");

    Path same = dir.resolve("same");
    assertThat(run("report", "--pipeline-run", id, "--out", same.toString())).isZero();
    assertThat(same.resolve("index.html")).isNotEmptyFile();

    String rendered = OfflineChromium.render(site.resolve("index.html"));
    assertThat(rendered)
        .contains("id=\"gantt\"")
        .contains("class=\"bar succeeded\"")
        .contains("id=\"run-status\">succeeded<");
  }

  @Test
  void wait_on_a_failing_pipeline_ends_with_failed_and_exits_non_zero() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("failing.yaml"),
            """
            name: failing
            steps:
              - {name: broken, type: command, parameters: {executable: "false"}}
              - {name: after, type: command, dependsOn: [broken], parameters: {executable: "true"}}
            """);

    int exit = run("pipeline", "run", file.toString(), "--wait", "--poll-ms", "100");

    String[] lines = out.toString().split("\\R");
    assertThat(exit).isEqualTo(1);
    assertThat(lines[lines.length - 1])
        .matches(
            "pipeline run \\d+ failed in \\d+\\.\\d\\d s wall time \\(failed step\\(s\\): broken\\)");
    assertThat(out.toString()).contains("after skipped");
  }

  @Test
  void logs_reach_a_terminal_whose_output_is_buffered() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("echo.yaml"),
            """
            name: echoing
            steps:
              - {name: say, type: command, parameters: {executable: echo, args: [hello-log]}}
            """);
    assertThat(run("pipeline", "run", file.toString(), "--wait", "--poll-ms", "100"))
        .as(out + "\n" + err)
        .isZero();
    String id = out.toString().split("\\R")[0];

    // As picocli writes to a terminal: a buffered writer over System.out, which nothing flushed
    // before the JVM exited, so 'pipeline logs' printed nothing at all.
    ByteArrayOutputStream terminal = new ByteArrayOutputStream();
    int exit =
        DigitLab.commandLine()
            .setOut(new PrintWriter(terminal, true))
            .setErr(new PrintWriter(err, true))
            .execute("pipeline", "logs", id, "say", "--server", url);

    assertThat(exit).isZero();
    assertThat(terminal.toString(StandardCharsets.UTF_8)).contains("hello-log");
  }

  @Test
  void an_invalid_pipeline_is_refused_with_the_step_named_and_nothing_runs() throws IOException {
    Path file =
        Files.writeString(
            dir.resolve("bad.yaml"),
            """
            name: bad
            steps:
              - {name: a, type: comand}
              - {name: b, type: eda, dependsOn: [c]}
            """);

    int exit = run("pipeline", "run", file.toString(), "--wait");

    assertThat(exit).isEqualTo(1);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString())
        .contains("The pipeline cannot run")
        .contains("steps.a.type: step 'a': unknown type 'comand'")
        .contains("did you mean 'command'")
        .contains("steps.b.dependsOn: step 'b' depends on 'c'");
  }
}
