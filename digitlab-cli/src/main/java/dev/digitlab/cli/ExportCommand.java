package dev.digitlab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code digitlab export EXPERIMENT_ID --out FILE.tar.gz}. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Save an experiment as one .tar.gz: a manifest with every entry's SHA-256, its spec, trials,"
            + " every event (with its time), each trial's model, reports and checkpoint, what it"
            + " logged through MLflow, and the model versions registered from its trials.")
class ExportCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "ID", description = "The experiment's (or pipeline run's) id.")
  long id;

  @Option(
      names = {"-o", "--out"},
      required = true,
      description = "The file to write, e.g. experiment-12.tar.gz.")
  Path out;

  /** The API collection the thing exported lives in; {@code pipeline export} says pipelines. */
  String collection() {
    return "/api/v1/experiments";
  }

  /** What the thing is called in messages. */
  String noun() {
    return "experiment";
  }

  @Override
  public Integer call() {
    long bytes =
        server
            .client()
            .download(
                collection() + "/" + id + "/export",
                out,
                noun().replace(' ', '-') + "-" + id + ".tar.gz");
    spec.commandLine().getOut().printf("Saved %s %d as %s (%d bytes)%n", noun(), id, out, bytes);
    return 0;
  }
}
