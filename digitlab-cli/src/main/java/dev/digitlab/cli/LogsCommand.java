package dev.digitlab.cli;

import java.io.PrintWriter;
import java.net.URI;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab logs TRIAL_ID [-f]}: a trial's log lines. */
@Command(
    name = "logs",
    mixinStandardHelpOptions = true,
    description = "Print a trial's log; with -f keep printing new lines until the trial stops.")
final class LogsCommand implements Callable<Integer> {

  private static final int PAGE = 1000;
  private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "cancelled");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "TRIAL_ID", description = "The trial's id (see digitlab show).")
  long id;

  @Option(
      names = {"-f", "--follow"},
      description = "Follow the log live.")
  boolean follow;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient client = server.client();
    String trialPath = "/api/v1/trials/" + id;
    PrintWriter out = spec.commandLine().getOut();
    long after = 0;
    while (true) {
      JsonNode page = client.get(trialPath + "/events?type=log&limit=" + PAGE + "&after=" + after);
      page.path("items").forEach(event -> print(out, event));
      after = page.path("next").asLong(after);
      if (page.path("items").size() < PAGE) {
        break;
      }
    }
    out.flush();
    if (follow) {
      new EventFollower(
              client,
              URI.create(client.server() + trialPath + "/events"),
              Duration.ofSeconds(2),
              10,
              spec.commandLine().getErr())
          .follow(
              after,
              message -> {
                if ("log".equals(message.type())) {
                  print(out, message.data());
                  out.flush();
                }
              },
              () -> TERMINAL.contains(client.get(trialPath).path("status").asString()));
    }
    return 0;
  }

  private static void print(PrintWriter out, JsonNode event) {
    JsonNode log = event.path("payload");
    out.println(
        Text.safe(event.path("time").asString())
            + " "
            + String.format("%-5s", Text.safe(log.path("level").asString()))
            + " "
            + Text.safe(log.path("message").asString()));
  }
}
