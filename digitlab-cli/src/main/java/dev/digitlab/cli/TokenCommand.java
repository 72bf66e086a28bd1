package dev.digitlab.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code digitlab token create|ls|revoke}: API tokens, through the server's admin API ({@code
 * /api/v1/tokens}) with an admin token (the first one is in {@code <home>/admin-token}).
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = {
      "Create, list and revoke API tokens (needs an admin token: --token or DIGITLAB_TOKEN).",
      "The server's first start with --auth writes one to <home>/admin-token."
    },
    subcommands = {
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Revoke.class
    })
final class TokenCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code digitlab token create --role R [--name N]}: prints the new token once. */
  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a token and print it: it is shown this once (only its hash is stored).",
        "Roles: admin (everything, tokens too), user (reads everything, changes its own"
            + " experiments and trials), worker (the worker protocol only), viewer (read only).",
        "A user owns what it creates under the token's name: give each person a name of their"
            + " own; a new token with the same name keeps their experiments.",
        "Running programs (pipeline command steps, shell access as the server's OS user) is a"
            + " permission of its own: admins have it, a user token only with --can-run-commands."
      })
  static final class Create implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Option(
        names = "--role",
        required = true,
        paramLabel = "ROLE",
        description = "admin, user, worker or viewer.")
    String role;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        description =
            "Whose it is, e.g. a person or a worker's host (default: the role). 'local' and"
                + " 'system' are reserved.")
    String name;

    @Option(
        names = "--can-run-commands",
        description =
            "Let this user token submit pipeline command steps: programs that run as the"
                + " server's OS user and can read everything it can (its data, other tokens)."
                + " Only where the server runs them at all (server --allow-commands).")
    boolean canRunCommands;

    @Override
    public Integer call() {
      ObjectNode body = JsonNodeFactory.instance.objectNode().put("role", role);
      if (canRunCommands) {
        body.put("canRunCommands", true);
      }
      if (name != null) {
        body.put("name", name);
      }
      JsonNode token = server.client().post("/api/v1/tokens", body.toString(), "application/json");
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      // The token alone on stdout, so that TOKEN=$(digitlab token create ...) works; the rest
      // goes to stderr.
      err.println(
          "Token "
              + token.path("id").asLong()
              + " ("
              + token.path("name").asString()
              + ", "
              + token.path("role").asString()
              + (token.path("canRunCommands").asBoolean() ? ", may run commands" : "")
              + ") created. It is shown only now: keep it somewhere safe.");
      err.flush();
      out.println(token.path("token").asString());
      out.flush();
      return 0;
    }
  }

  /** {@code digitlab token ls}: every token, without secrets. */
  @Command(name = "ls", mixinStandardHelpOptions = true, description = "List tokens.")
  static final class ListTokens implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Override
    public Integer call() {
      JsonNode tokens = server.client().get("/api/v1/tokens");
      PrintWriter out = spec.commandLine().getOut();
      out.printf(
          "%-6s %-7s %-8s %-8s %-24s %-24s %s%n",
          "ID", "ROLE", "STATUS", "COMMANDS", "CREATED", "LAST USED", "NAME");
      for (JsonNode token : tokens) {
        out.printf(
            "%-6d %-7s %-8s %-8s %-24s %-24s %s%n",
            token.path("id").asLong(),
            token.path("role").asString(),
            token.path("active").asBoolean() ? "active" : "revoked",
            token.path("canRunCommands").asBoolean() ? "yes" : "no",
            seconds(token.path("createdAt")),
            seconds(token.path("lastUsedAt")),
            Text.safe(token.path("name").asString()));
      }
      out.flush();
      return 0;
    }
  }

  /**
   * A time to the second ({@code 2026-12-07T11:29:50Z}), which fits its column; the server's
   * microseconds made each row wider than its header.
   */
  static String seconds(JsonNode time) {
    if (time.isNull() || time.isMissingNode()) {
      return "-";
    }
    try {
      return java.time.Instant.parse(time.asString())
          .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
          .toString();
    } catch (java.time.format.DateTimeParseException e) {
      return Text.safe(time.asString());
    }
  }

  /** {@code digitlab token revoke ID}. */
  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = "Revoke a token: its requests and browser sessions are refused from now on.")
  static final class Revoke implements Callable<Integer> {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Mixin ServerOption server;

    @Parameters(paramLabel = "ID", description = "The token's id (see 'digitlab token ls').")
    long id;

    @Override
    public Integer call() {
      server.client().delete("/api/v1/tokens/" + id);
      spec.commandLine().getOut().println("Token " + id + " revoked.");
      spec.commandLine().getOut().flush();
      return 0;
    }
  }
}
