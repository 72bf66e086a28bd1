package dev.digitlab.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
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

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description =
          "table (default), json (the experiment as the API shows it) or csv (every run, built-in"
              + " trials and runs logged through the MLflow API, with params and metrics).")
  String output;

  @Option(
      names = "--filter",
      description =
          "With -o csv: only the runs matching this MLflow filter, e.g. \"metrics.rmse < 0.8 and"
              + " params.alpha = '0.5'\".")
  String filter;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    switch (output) {
      case "json" -> {
        out.println(server.client().getText("/api/v1/experiments/" + id, "application/json"));
        return 0;
      }
      case "csv" -> {
        String query =
            filter == null ? "" : "?filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8);
        out.print(server.client().getText("/experiments/" + id + "/runs.csv" + query, "text/csv"));
        out.flush();
        return 0;
      }
      case "table" -> {
        // below
      }
      default ->
          throw new CommandLine.ParameterException(
              spec.commandLine(), "-o must be table, json or csv, not '" + output + "'");
    }
    JsonNode e = server.client().get("/api/v1/experiments/" + id);
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
    String format = "%-6s %-3s %-10s %-9s %-10s %-10s %-10s %s%n";
    out.printf(
        format, "TRIAL", "#", "STATUS", "PROGRESS", "TEST_ACC", "TEST_F1", "BEST_SO_FAR", "CONFIG");
    JsonNode searched = e.path("spec").path("search").path("parameters");
    String metric = e.path("objective").path("metric").asString();
    boolean maximize = !"min".equals(e.path("objective").path("goal").asString());
    List<String> pruned = new ArrayList<>();
    java.util.Set<String> waiting = new java.util.LinkedHashSet<>();
    Double best = null;
    for (JsonNode t : e.path("trials")) {
      // Trials come in ordinal order: the best so far is the best objective up to this one.
      JsonNode value = objective(t, metric);
      if ("succeeded".equals(t.path("status").asString()) && value.isNumber()) {
        double v = value.asDouble();
        best = best == null || (maximize ? v > best : v < best) ? Double.valueOf(v) : best;
      }
      if ("pruned".equals(t.path("status").asString())) {
        pruned.add("#" + t.path("ordinal").asInt());
      }
      if (t.path("waitingFor").isString()) {
        waiting.add(t.path("waitingFor").asString());
      }
      out.printf(
          format,
          t.path("id").asLong(),
          t.path("ordinal").asInt(),
          t.path("status").asString(),
          String.format(Locale.ROOT, "%.0f%%", t.path("progress").asDouble() * 100),
          Text.number(t.path("testAccuracy")),
          Text.number(t.path("testF1Macro")),
          best == null ? "-" : String.format(Locale.ROOT, "%.4f", best),
          searchedValues(t.path("config"), searched));
    }
    if (!pruned.isEmpty()) {
      out.println();
      out.println(
          "  pruned     " + pruned.size() + " trial(s) stopped early: " + String.join(" ", pruned));
    }
    for (String reason : waiting) {
      // Said once for all the trials it holds back: what they wait for and what to do.
      out.println();
      out.println("  waiting    " + Text.safe(reason));
    }
    return 0;
  }

  /** The trial's value of the experiment's objective metric, as the server rolls it up. */
  private static JsonNode objective(JsonNode trial, String metric) {
    return switch (metric) {
      case "test_accuracy" -> trial.path("testAccuracy");
      case "test_f1_macro" -> trial.path("testF1Macro");
      default -> trial.path("bestMetric");
    };
  }

  /** The searched parameters' values in this trial: what tells its trials apart. */
  private static String searchedValues(JsonNode config, JsonNode searched) {
    StringBuilder text = new StringBuilder();
    for (Map.Entry<String, JsonNode> parameter : searched.properties()) {
      String name = parameter.getKey();
      if (!text.isEmpty()) {
        text.append(' ');
      }
      text.append(name).append('=').append(Text.value(config.path(name)));
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
