package dev.digitlab.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab experiment export|import}: moving an experiment between servers. */
@Command(
    name = "experiment",
    mixinStandardHelpOptions = true,
    description = "Export an experiment to a file, or import such a file into a server.",
    subcommands = {ExperimentCommand.Export.class, ExperimentCommand.Import.class})
final class ExperimentCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Name a subcommand: export or import.");
  }

  /** {@code digitlab experiment export ID -o FILE}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description =
          "Save an experiment as one file (gzip-compressed JSON): its spec, trials, results, every"
              + " event, and each trial's model and reports (not checkpoints).")
  static final class Export implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "ID", description = "The experiment's id.")
    long id;

    @Option(
        names = {"-o", "--out"},
        required = true,
        description = "The file to write, e.g. experiment-12.json.gz.")
    Path out;

    @Override
    public Integer call() {
      long bytes = server.client().download("/api/v1/experiments/" + id + "/export", out);
      spec.commandLine().getOut().printf("Saved experiment %d as %s (%d bytes)%n", id, out, bytes);
      return 0;
    }
  }

  /** {@code digitlab experiment import FILE}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description =
          "Store an exported experiment on this server as a new experiment (new ids), all or"
              + " nothing. A file imported before is refused, naming the experiment it became.")
  static final class Import implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "FILE", description = "The file 'digitlab experiment export' wrote.")
    Path file;

    @Override
    public Integer call() {
      byte[] bytes;
      try {
        bytes = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "Cannot read " + file + ": " + e.getMessage());
      }
      JsonNode created =
          server.client().post("/api/v1/experiments/import", bytes, "application/gzip");
      // The id alone on stdout, as 'submit' prints it, so that scripts can use it.
      spec.commandLine().getOut().println(created.path("id").asLong());
      spec.commandLine()
          .getErr()
          .printf("Imported %s as experiment %d%n", file, created.path("id").asLong());
      return 0;
    }
  }
}
