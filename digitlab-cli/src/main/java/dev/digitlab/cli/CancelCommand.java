package dev.digitlab.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code digitlab cancel ID}: cancels an experiment's queued and running trials. */
@Command(
    name = "cancel",
    mixinStandardHelpOptions = true,
    description = {
      "Cancel an experiment: queued trials at once; running ones are asked to stop and stop at"
          + " their worker's next heartbeat, unless they finish first.",
      "With --wait, waits for the running ones and says how each ended."
    })
final class CancelCommand implements Callable<Integer> {

  /** How often --wait asks how the stopping trials are; a worker looks about once a second. */
  private static final Duration POLL = Duration.ofMillis(500);

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Mixin ServerOption server;

  @Parameters(paramLabel = "ID", description = "The experiment's id.")
  long id;

  @Option(
      names = "--wait",
      description =
          "Wait until the running trials have ended and say how each did: cancelled, or"
              + " succeeded or failed when it finished before its worker saw the cancel.")
  boolean waitForTrials;

  @Override
  public Integer call() throws InterruptedException {
    ApiClient client = server.client();
    JsonNode e = client.post("/api/v1/experiments/" + id + "/cancel");
    PrintWriter out = spec.commandLine().getOut();
    out.println(
        "Cancelled experiment "
            + id
            + " ("
            + Text.safe(e.path("name").asString())
            + "): "
            + e.path("trialCounts").path("cancelled").asInt()
            + " trial(s) cancelled.");
    List<Long> running = new ArrayList<>();
    for (JsonNode trial : e.path("trials")) {
      if ("running".equals(trial.path("status").asString())) {
        running.add(trial.path("id").asLong());
      }
    }
    if (running.isEmpty()) {
      return 0;
    }
    // The server only asked them to stop: each may yet finish (succeeded or failed) before its
    // worker's next heartbeat reads the request, so "stopped" would not be true.
    out.println(
        running.size()
            + " running trial(s): cancel requested; each stops at its worker's next heartbeat,"
            + " unless it finishes first."
            + (waitForTrials ? "" : " 'digitlab show " + id + "' tells how they ended."));
    if (!waitForTrials) {
      return 0;
    }
    out.println("Waiting for trial(s) " + running + " to end …");
    while (!running.isEmpty()) {
      Thread.sleep(POLL.toMillis());
      for (var it = running.iterator(); it.hasNext(); ) {
        long trial = it.next();
        String status = client.get("/api/v1/trials/" + trial).path("status").asString();
        if (!"running".equals(status)) {
          out.println(ending(trial, status));
          it.remove();
        }
      }
    }
    return 0;
  }

  /** How a trial that was asked to stop ended, in words that say whether the cancel did it. */
  private static String ending(long trial, String status) {
    return switch (status) {
      case "cancelled" -> "Trial " + trial + " cancelled.";
      case "succeeded", "failed" ->
          "Trial " + trial + " " + status + ": it finished before its worker saw the cancel.";
      case "pruned" -> "Trial " + trial + " pruned: a pruner had stopped it already.";
      // Its worker's lease lapsed and the queue took it back; a cancelled experiment's trials are
      // never claimed again.
      case "queued" -> "Trial " + trial + " queued again (its worker went away); it will not run.";
      default -> "Trial " + trial + " " + status + ".";
    };
  }
}
