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

/**
 * {@code digitlab report --pipeline-run ID --out DIR} or {@code --experiment ID}: the server's
 * self-contained report page saved as {@code DIR/index.html}.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = {
      "Write a static, self-contained HTML report (DIR/index.html) that opens from disk.",
      "It needs no server and no network.",
      "A pipeline run: its DAG, Gantt chart, steps, metrics, charts and images (same",
      "as 'digitlab pipeline report ID --out DIR').",
      "An experiment: config, search space, objective, status and best trial; the",
      "trials in a table that sorts by any column; overlaid learning curves; the best",
      "trial's confusion matrix, per-class figures and most confident mistakes."
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

    @Option(names = "--experiment", paramLabel = "ID", description = "An experiment.")
    Long experiment;
  }

  @Override
  public Integer call() throws IOException {
    Path index =
        subject.experiment != null
            ? save(server.client(), "/api/v1/experiments/" + subject.experiment + "/report", out)
            : write(server.client(), subject.pipelineRun, out);
    spec.commandLine().getOut().println(index.toAbsolutePath());
    return 0;
  }

  /** Saves the server's report page of the run as {@code dir/index.html}. */
  static Path write(ApiClient client, long runId, Path dir) throws IOException {
    return save(client, "/api/v1/pipelines/" + runId + "/report", dir);
  }

  /** Saves the page at {@code path} on the server as {@code dir/index.html}. */
  private static Path save(ApiClient client, String path, Path dir) throws IOException {
    // createDirectories' own message for an existing file is the bare path.
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new ApiClient.ApiException(
          dir + " is a file: --out names the folder to write index.html into.");
    }
    String html = client.getText(path, "text/html");
    Files.createDirectories(dir);
    Path index = dir.resolve("index.html");
    Files.writeString(index, html, StandardCharsets.UTF_8);
    return index;
  }
}
