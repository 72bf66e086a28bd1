package dev.digitlab.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab show ID}: one experiment with its trials. */
@Command(
    name = "show",
    mixinStandardHelpOptions = true,
    description = "Show an experiment and its trials.")
final class ShowCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "ID", description = "The experiment's id (as submit printed it).")
  long id;

  @Override
  public Integer call() {
    JsonNode e = server.client().get("/api/v1/experiments/" + id);
    PrintWriter out = spec.commandLine().getOut();
    out.println("Experiment " + e.path("id").asLong() + ": " + e.path("name").asString());
    out.println("  status     " + e.path("status").asString());
    out.println("  owner      " + e.path("owner").asString("-"));
    out.println(
        "  objective  "
            + e.path("objective").path("goal").asString()
            + " "
            + e.path("objective").path("metric").asString()
            + "   best "
            + Text.number(e.path("bestObjective"))
            + (e.path("bestTrialId").isNumber()
                ? " (trial " + e.path("bestTrialId").asLong() + ")"
                : ""));
    out.println("  dataset    " + e.path("dataset").asString());
    if (!e.path("tags").isEmpty()) {
      out.println("  tags       " + String.join(", ", texts(e.path("tags"))));
    }
    out.println("  created    " + e.path("createdAt").asString());
    out.println();
    String format = "%-6s %-3s %-10s %-9s %-10s %-10s %s%n";
    out.printf(format, "TRIAL", "#", "STATUS", "PROGRESS", "TEST_ACC", "TEST_F1", "CONFIG");
    JsonNode searched = e.path("spec").path("search").path("parameters");
    for (JsonNode t : e.path("trials")) {
      out.printf(
          format,
          t.path("id").asLong(),
          t.path("ordinal").asInt(),
          t.path("status").asString(),
          String.format(Locale.ROOT, "%.0f%%", t.path("progress").asDouble() * 100),
          Text.number(t.path("testAccuracy")),
          Text.number(t.path("testF1Macro")),
          searchedValues(t.path("config"), searched));
    }
    return 0;
  }

  /** The searched parameters' values in this trial: what tells its trials apart. */
  private static String searchedValues(JsonNode config, JsonNode searched) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, JsonNode> parameter : searched.properties()) {
      String name = parameter.getKey();
      if (!text.isEmpty()) {
        text.append(' ');
      }
      text.append(name).append('=').append(config.path(name));
    }
    return text.toString();
  }

  private static String[] texts(JsonNode array) {
    String[] values = new String[array.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = array.get(i).asString();
    }
    return values;
  }
}
