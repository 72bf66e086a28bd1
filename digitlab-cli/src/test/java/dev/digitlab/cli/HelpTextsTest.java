package dev.digitlab.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What a new user reads first: {@code digitlab --help}, each command's help, and the answer to a
 * mistyped option. Help renders without picocli's own warnings, a parent's command list shows each
 * subcommand's summary as a whole sentence, and a bad option value is one line saying what to fix
 * (not buried above seventy lines of usage).
 */
class HelpTextsTest extends CliTest {

  @Test
  void every_commands_help_renders_without_picocli_warnings() {
    // picocli reports a description it cannot format (a bare '%') on System.err itself.
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    PrintStream systemErr = System.err;
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      for (CommandLine command : allCommands(DigitLab.commandLine())) {
        command.getUsageMessage();
      }
    } finally {
      System.setErr(systemErr);
    }

    assertThat(warnings.toString(StandardCharsets.UTF_8)).doesNotContain("picocli WARN");
  }

  @Test
  void every_subcommands_summary_in_its_parents_list_is_a_whole_sentence() {
    List<String> cut = new ArrayList<>();
    for (CommandLine command : allCommands(DigitLab.commandLine())) {
      String[] description = command.getCommandSpec().usageMessage().description();
      if (command.getParent() != null && description.length > 0) {
        String first = description[0].strip();
        if (!first.endsWith(".") && !first.endsWith(".)")) {
          cut.add(command.getCommandSpec().qualifiedName() + ": " + first);
        }
      }
    }

    assertThat(cut).isEmpty();
  }

  @Test
  void a_mistyped_option_value_is_one_line_naming_the_allowed_values_and_where_help_is() {
    int exit = run("train", "--model", "fats");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "Invalid value for option '--model': model must be one of mlp, cnn, lenet5, fast, got"
                + " 'fats'",
            "Try 'digitlab train --help' for the options.");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void a_missing_argument_says_which_and_points_at_the_subcommands_help() {
    int exit = run("model", "export", "digits", "1");

    assertThat(exit).isEqualTo(2);
    assertThat(err.toString().lines().toList())
        .containsExactly(
            "Missing required option: '--out=<out>'",
            "Try 'digitlab model export --help' for the options.");
  }

  @Test
  void ls_help_names_every_order_the_server_sorts_by() {
    assertThat(run("ls", "--help")).isZero();
    String help = out.toString().replaceAll("\\s+", " ");

    for (dev.digitlab.server.experiments.ExperimentSort sort :
        dev.digitlab.server.experiments.ExperimentSort.values()) {
      assertThat(help).contains(sort.name().toLowerCase(java.util.Locale.ROOT));
    }
  }

  private static List<CommandLine> allCommands(CommandLine root) {
    List<CommandLine> all = new ArrayList<>();
    all.add(root);
    for (CommandLine sub : root.getSubcommands().values()) {
      if (!all.contains(sub)) {
        all.addAll(allCommands(sub));
      }
    }
    return all;
  }
}
