package dev.digitlab.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;

/** {@code digitlab ls}: the server's experiments, newest first unless asked otherwise. */
@Command(
    name = "ls",
    mixinStandardHelpOptions = true,
    description = "List experiments, newest first.")
final class ListCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Option(
      names = "--sort",
      defaultValue = "created",
      description =
          "created, updated, name, owner, best_objective, best_test_accuracy, best_test_f1_macro,"
              + " total_train_seconds, status or trials_done (default: ${DEFAULT-VALUE}).")
  String sort;

  @Option(names = "--asc", description = "Ascending order (default: descending).")
  boolean ascending;

  @Option(names = "--status", description = "Only experiments in this status.")
  String status;

  @Option(
      names = "--owner",
      description =
          "Only experiments this token name owns (e.g. alice; 'local' without authentication).")
  String owner;

  @Option(names = "--tag", description = "Only experiments with this tag.")
  String tag;

  @Option(
      names = {"-q", "--query"},
      description = "Only experiments whose name contains this.")
  String query;

  @Option(
      names = {"-n", "--limit"},
      defaultValue = "50",
      description = "At most this many (default: ${DEFAULT-VALUE}).")
  int limit;

  /** How {@code ls} prints: {@link ListingFormat}'s two, and CSV for spreadsheets. */
  enum Format {
    table,
    json,
    csv
  }

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description =
          "table, json (the server's page of experiments, for scripts) or csv (one row per"
              + " experiment, names not shortened). Default: ${DEFAULT-VALUE}.")
  Format output;

  @Override
  public Integer call() {
    StringBuilder path = new StringBuilder("/api/v1/experiments?sort=").append(encode(sort));
    path.append("&order=").append(ascending ? "asc" : "desc").append("&size=").append(limit);
    if (status != null) {
      path.append("&status=").append(encode(status));
    }
    if (owner != null) {
      path.append("&owner=").append(encode(owner));
    }
    if (tag != null) {
      path.append("&tag=").append(encode(tag));
    }
    if (query != null) {
      path.append("&q=").append(encode(query));
    }
    JsonNode page = server.client().get(path.toString());
    PrintWriter out = spec.commandLine().getOut();
    if (output == Format.json) {
      out.println(page.toPrettyString());
      return 0;
    }
    if (output == Format.csv) {
      out.println(
          "id,name,owner,status,trials_done,trials_total,best_objective,best_test_accuracy,"
              + "tags,created");
      for (JsonNode e : page.path("items")) {
        out.println(
            String.join(
                ",",
                String.valueOf(e.path("id").asLong()),
                csv(e.path("name").asString()),
                csv(e.path("owner").asString("")),
                csv(e.path("status").asString()),
                String.valueOf(done(e.path("trialCounts"))),
                String.valueOf(e.path("trialCounts").path("total").asInt()),
                e.path("bestObjective").isNumber() ? e.path("bestObjective").asString() : "",
                e.path("bestTestAccuracy").isNumber() ? e.path("bestTestAccuracy").asString() : "",
                csv(String.join(" ", tags(e.path("tags")))),
                csv(e.path("createdAt").asString())));
      }
      return 0;
    }
    String format = "%-6s %-30s %-12s %-10s %-9s %-10s %s%n";
    out.printf(format, "ID", "NAME", "OWNER", "STATUS", "TRIALS", "BEST", "CREATED");
    for (JsonNode e : page.path("items")) {
      JsonNode counts = e.path("trialCounts");
      int done = done(counts);
      out.printf(
          format,
          e.path("id").asLong(),
          Text.shorten(e.path("name").asString(), 30),
          Text.shorten(e.path("owner").asString("-"), 12),
          Text.safe(e.path("status").asString()),
          done + "/" + counts.path("total").asInt(),
          Text.number(e.path("bestObjective")),
          Text.safe(e.path("createdAt").asString()));
    }
    long total = page.path("total").asLong();
    if (total > page.path("items").size()) {
      out.println("(" + page.path("items").size() + " of " + total + "; --limit shows more)");
    }
    return 0;
  }

  private static int done(JsonNode counts) {
    return counts.path("succeeded").asInt()
        + counts.path("failed").asInt()
        + counts.path("cancelled").asInt();
  }

  private static java.util.List<String> tags(JsonNode tags) {
    java.util.List<String> out = new java.util.ArrayList<>();
    tags.forEach(t -> out.add(t.isString() ? t.asString() : t.toString()));
    return out;
  }

  /**
   * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break. Control characters
   * are escaped first, as everywhere the CLI prints what the server sent (issue 15, finding 9).
   */
  static String csv(String value) {
    String safe = Text.safe(value == null ? "" : value);
    return safe.contains(",") || safe.contains("\"") || safe.contains("\n")
        ? "\"" + safe.replace("\"", "\"\"") + "\""
        : safe;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
