package dev.digitlab.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the single runnable jar: one subcommand per user task. */
@Command(
    name = "digitlab",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Run, track, compare and serve handwritten-digit classifiers.",
    subcommands = {
      CommandLine.HelpCommand.class,
      TrainCommand.class,
      DataCommand.class,
      ServerCommand.class,
      SubmitCommand.class,
      ListCommand.class,
      ShowCommand.class,
      CancelCommand.class,
      WatchCommand.class,
      LogsCommand.class,
      WorkerCommand.class,
      TokenCommand.class,
      ModelCommand.class,
      ExperimentCommand.class,
      ExportCommand.class,
      ImportCommand.class,
      PipelineCommand.class,
      ReportCommand.class,
      BenchCommand.class,
      // digitlab generate-completion: a bash/zsh completion script (source <(digitlab
      // generate-completion)), written by picocli from these very commands.
      picocli.AutoComplete.GenerateCompletion.class
    })
public final class DigitLab implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** Builds the command line with every subcommand; tests use this to run commands in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new DigitLab())
        .setExecutionExceptionHandler(new UserErrorHandler())
        .setParameterExceptionHandler(new UsageErrorHandler())
        .setCaseInsensitiveEnumValuesAllowed(true);
  }

  public static void main(String[] args) {
    CommandLine cli = commandLine();
    int exit = cli.execute(args);
    // picocli's writers buffer over System.out and System.err, and System.exit does not flush
    // them: whatever a command print()ed without flushing would be lost.
    cli.getOut().flush();
    cli.getErr().flush();
    System.exit(exit);
  }
}
