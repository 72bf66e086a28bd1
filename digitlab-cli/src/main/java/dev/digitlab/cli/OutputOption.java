package dev.digitlab.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * The {@code -o table|json} option, mixed into every command that prints what the server answered
 * (a listing or one thing): the table for people, or the server's JSON as it is, for scripts.
 */
final class OutputOption {

  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table or json (the server's answer, for scripts). Default: ${DEFAULT-VALUE}.")
  ListingFormat format;

  /**
   * Prints {@code answer} as pretty JSON with {@code -o json}, else lets {@code table} print it;
   * returns the command's exit status.
   */
  int print(JsonNode answer, Consumer<PrintWriter> table) {
    PrintWriter out = mixee.commandLine().getOut();
    if (!format.printedJson(out, answer)) {
      table.accept(out);
    }
    return 0;
  }
}
