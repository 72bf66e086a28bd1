package dev.digitlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code digitlab experiment export|import}: the names the first version had for {@code digitlab
 * export} and {@code digitlab import}, kept.
 */
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

  /** {@code digitlab experiment export}: the same as {@code digitlab export}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = "The same as 'digitlab export'.")
  static final class Export extends ExportCommand {}

  /** {@code digitlab experiment import}: the same as {@code digitlab import}. */
  @Command(
      name = "import",
      mixinStandardHelpOptions = true,
      description = "The same as 'digitlab import'.")
  static final class Import extends ImportCommand {}
}
