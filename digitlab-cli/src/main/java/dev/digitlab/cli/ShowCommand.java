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
    JsonNode searched = e.path("spec").path("search").path("parameters");
    String metric = e.path("objective").path("metric").asString();
    boolean maximize = !"min".equals(e.path("objective").path("goal").asString());
    // A program has no test figures of its own, and an objective other than the two test
    // figures gets a column: without it a command experiment's table showed no trial's value.
    boolean testFigures = !e.path("spec").has("command");
    boolean objectiveColumn = !metric.equals("test_accuracy") && !metric.equals("test_f1_macro");
    List<String> headers = new ArrayList<>(List.of("TRIAL", "#", "STATUS", "PROGRESS"));
    if (testFigures) {
      headers.addAll(List.of("TEST_ACC", "TEST_F1"));
    }
    if (objectiveColumn) {
      headers.add(Text.safe(metric.toUpperCase(Locale.ROOT)));
    }
    headers.addAll(List.of("BEST_SO_FAR", "CONFIG"));
    String format =
        "%-6s %-3s %-10s %-9s "
            + "%-10s ".repeat(headers.size() - 5)
            + "%s%n"; // the last column (CONFIG) unpadded
    out.printf(format, headers.toArray());
    List<String> pruned = new ArrayList<>();
    Map<String, List<JsonNode>> failed = new java.util.LinkedHashMap<>();
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
      if ("failed".equals(t.path("status").asString())) {
        failed
            .computeIfAbsent(reason(t.path("failureReason").asString("")), r -> new ArrayList<>())
            .add(t);
      }
      List<Object> row =
          new ArrayList<>(
              List.of(
                  t.path("id").asLong(),
                  t.path("ordinal").asInt(),
                  t.path("status").asString(),
                  String.format(Locale.ROOT, "%.0f%%", t.path("progress").asDouble() * 100)));
      if (testFigures) {
        row.add(Text.number(t.path("testAccuracy")));
        row.add(Text.number(t.path("testF1Macro")));
      }
      if (objectiveColumn) {
        row.add(Text.number(value));
      }
      row.add(best == null ? "-" : String.format(Locale.ROOT, "%.4f", best));
      row.add(searchedValues(t.path("config"), searched));
      out.printf(format, row.toArray());
    }
    for (Map.Entry<String, List<JsonNode>> reason : failed.entrySet()) {
      // Why they failed, said once for the trials that failed alike, with where to read more:
      // the table alone said "failed" nine times and nothing else.
      List<JsonNode> trials = reason.getValue();
      out.println();
      out.println(
          "  failed     "
              + String.join(" ", trials.stream().map(t -> "#" + t.path("ordinal").asInt()).toList())
              + ": "
              + reason.getKey());
      out.println(
          "             its log: digitlab logs"
              + ServerOption.optionUnlessDefault(server.url().toString())
              + " "
              + trials.getFirst().path("id").asLong());
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

  /**
   * A failure reason on one line: its first line and, when it has more, its last (a program's
   * reason is the tail of its standard error, and a traceback's last line is what went wrong; the
   * lines between name paths that differ from trial to trial).
   */
  private static String reason(String text) {
    List<String> lines = text.strip().lines().filter(l -> !l.isBlank()).toList();
    if (lines.isEmpty()) {
      return "no reason recorded";
    }
    String first = Text.safe(lines.getFirst().strip());
    return lines.size() == 1 ? first : first + " … " + Text.safe(lines.getLast().strip());
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
