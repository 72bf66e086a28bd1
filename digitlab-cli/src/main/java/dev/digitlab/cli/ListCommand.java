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
          "created, updated, name, owner, best_objective, best_test_accuracy, best_test_f1_macro or"
              + " total_train_seconds (default: ${DEFAULT-VALUE}).")
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
    String format = "%-6s %-30s %-12s %-10s %-9s %-10s %s%n";
    out.printf(format, "ID", "NAME", "OWNER", "STATUS", "TRIALS", "BEST", "CREATED");
    for (JsonNode e : page.path("items")) {
      JsonNode counts = e.path("trialCounts");
      int done =
          counts.path("succeeded").asInt()
              + counts.path("failed").asInt()
              + counts.path("cancelled").asInt();
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

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
