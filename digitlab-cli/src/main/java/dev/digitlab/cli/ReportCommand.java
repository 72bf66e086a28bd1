package dev.digitlab.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code digitlab report --pipeline-run ID --out DIR}: a static HTML report of a run. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a static, self-contained HTML report (DIR/index.html) that opens from disk with no",
      "server and no network: for a pipeline run its DAG, Gantt chart, steps, metrics, charts and",
      "images. Same as 'digitlab pipeline report ID --out DIR'."
    })
final class ReportCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Subject subject;

  @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write.")
  Path out;

  /** What to report on: one of the options. */
  static final class Subject {
    @Option(names = "--pipeline-run", paramLabel = "ID", description = "A pipeline run.")
    Long pipelineRun;
  }

  @Override
  public Integer call() throws IOException {
    Path index = write(server.client(), subject.pipelineRun, out);
    spec.commandLine().getOut().println(index.toAbsolutePath());
    return 0;
  }

  /** Saves the server's report page of the run as {@code dir/index.html}. */
  static Path write(ApiClient client, long runId, Path dir) throws IOException {
    String html = client.getText("/api/v1/pipelines/" + runId + "/report", "text/html");
    Files.createDirectories(dir);
    Path index = dir.resolve("index.html");
    Files.writeString(index, html, StandardCharsets.UTF_8);
    return index;
  }
}
